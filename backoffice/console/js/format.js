// How values read on screen. Money stays the API's decimal string: it is shown, never summed.
import { language, t } from './i18n.js';

export const CHANNELS = {
  cash: 'Cash', bank_card: 'Bank card', transfer: 'Transfer',
  alipay: 'Alipay', wechat: 'WeChat Pay', unionpay: 'UnionPay',
};

export const ALARM_KINDS = {
  alarm1: 'Alarm 1', alarm2: 'Alarm 2', arrears: 'Arrears', overload: 'Overload',
  lost_comm: 'Lost communication', gateway_lost: 'Gateway out of contact', relay_drift: 'Relay drift',
};

export function yuan(amount) {
  return amount === null || amount === undefined ? '—' : `¥${amount}`;
}

export function kwh(energy) {
  return energy === null || energy === undefined ? '—' : `${energy} kWh`;
}

export function when(instant) {
  if (!instant) return '—';
  return new Date(instant).toLocaleString(language() === 'en' ? 'en-GB' : 'zh-CN', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  });
}

export function word(words, value) {
  return value in words ? t(words[value]) : value;
}

export const ACCOUNT_STATUSES = { open: 'Open', closed: 'Closed' };
export const ARREARS_RULES = { trip: 'Trip', overdraft: 'Overdraft', protect: 'Protect' };
export const SALE_KINDS = { recharge: 'Recharge', refund: 'Refund', reversal: 'Reversal' };
export const SALE_STATUSES = { completed: 'Completed', pending: 'Waiting for approval', rejected: 'Rejected', reversed: 'Reversed' };
export const METER_LIFECYCLE = { opened: 'Opened', not_opened: 'Not opened', closed: 'Closed', replaced: 'Replaced', scrapped: 'Scrapped' };
export const POSTING_KINDS = {
  opening: 'Opening balance', sale: 'Recharge', refund: 'Refund', reversal: 'Reversal', consumption: 'Consumption',
  transfer: 'Transfer', closing: 'Closing', adjustment: 'Adjustment',
};
export const SMS_KINDS = { alarm1: 'Alarm 1', alarm2: 'Alarm 2', arrears: 'Arrears', recharge: 'Recharge', sign_in_code: 'Sign-in code' };
export const SMS_STATES = { queued: 'Queued', sending: 'Sending', sent: 'Sent', failed: 'Failed', suppressed: 'Suppressed' };

// Reasons the system itself writes on sales and postings (English in the ledger): shown in the
// user's language; a reason an operator typed is shown as typed.
const SYSTEM_REASONS = {
  'opening balance': 'Opening balance', 'account closed': 'Account closed', 'counter sale': 'Counter sale',
  'final settlement': 'Final settlement', refund: 'Refund', 'refund approved': 'Refund approved',
  'refund awaiting approval': 'Refund awaiting approval', 'refund rejected': 'Refund rejected', reversal: 'Reversal',
};

export function reasonText(reason) {
  if (!reason) return '—';
  return reason in SYSTEM_REASONS ? t(SYSTEM_REASONS[reason]) : reason;
}
