// Who is logged in and what they may do, from the login answer (or /auth/me after a reload).
import { api, setCsrfToken } from './api.js';

let current = null;

export function session() {
  return current;
}

export function can(permission) {
  return Boolean(current && current.permissions.includes(permission));
}

function adopt(body) {
  current = { operator: body.operator, permissions: body.permissions };
  setCsrfToken(body.csrf_token);
  return current;
}

export async function restore() {
  try {
    return adopt((await api('GET', '/auth/me')).body);
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export async function login(username, password, totpCode) {
  const json = { username, password };
  if (totpCode) json.totp_code = totpCode;
  return adopt((await api('POST', '/auth/login', { json })).body);
}

export async function logout() {
  try {
    await api('POST', '/auth/logout');
  } finally {
    forget();
  }
}

export function forget() {
  current = null;
  setCsrfToken(null);
}
