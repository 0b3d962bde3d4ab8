"""What a printed receipt shows: the sale, its site and account, in the site's local time."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shared_models.models import Operator, Sale, Site, TenantAccount
from shared_models.models.ledger import Channel
from shared_models.models.sales import SaleKind

TITLES = {SaleKind.RECHARGE: "售电收据 Recharge receipt", SaleKind.REFUND: "退电收据 Refund receipt",
          SaleKind.REVERSAL: "冲正收据 Reversal receipt"}
CHANNELS = {Channel.CASH: "现金 Cash", Channel.BANK_CARD: "银行卡 Bank card",
            Channel.TRANSFER: "转账 Transfer", Channel.ALIPAY: "支付宝 Alipay",
            Channel.WECHAT: "微信支付 WeChat Pay", Channel.UNIONPAY: "银联 UnionPay"}


def receipt_context(db: Session, sale: Sale) -> dict[str, Any]:
    site = db.get(Site, sale.site_id)
    account = db.get(TenantAccount, sale.account_id)
    operator = db.get(Operator, sale.operator_id)
    at = sale.completed_at or sale.created_at
    reversed_sale = db.get(Sale, sale.reverses_id) if sale.reverses_id else None
    return {
        "sale": sale,
        "site": site,
        "account": account,
        "meters": account.meters,
        "operator": operator.display_name or operator.username,
        "title": TITLES[sale.kind],
        "channel": CHANNELS[sale.channel],
        "local_time": at.astimezone(ZoneInfo(site.timezone)).strftime("%Y-%m-%d %H:%M:%S"),
        "reversed_receipt": reversed_sale.receipt_number if reversed_sale else None,
    }
