// The tenant's session and the account on screen, over the console's API module.
import { api, get, setCsrfToken } from '/console/js/api.js';

let current = null;
const ACCOUNT = 'wattkeeper.tenant.account';

export function session() {
  return current;
}

function keep(body) {
  current = body;
  setCsrfToken(body ? body.csrf_token : null);
  return body;
}

export async function restore() {
  try {
    return keep(await get('/tenant/auth/session'));
  } catch (error) {
    if (error.status === 401) return keep(null);
    throw error;
  }
}

export async function signIn(form) {
  const answer = await api('POST', '/tenant/auth/session', { json: form });
  return keep(answer.body);
}

export async function signOut() {
  try {
    await api('DELETE', '/tenant/auth/session');
  } finally {
    keep(null);
  }
}

export function forget() {
  keep(null);
}

// The account on screen: the one chosen last on this phone, if it is still the tenant's.
export function accountId() {
  if (!current || !current.accounts.length) return null;
  const chosen = Number(localStorage.getItem(ACCOUNT));
  return current.accounts.some((a) => a.id === chosen) ? chosen : current.accounts[0].id;
}

export function chooseAccount(id) {
  localStorage.setItem(ACCOUNT, String(id));
}

export function accountPath(path = '') {
  return `/tenant/accounts/${accountId()}${path}`;
}
