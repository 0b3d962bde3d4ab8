// The console's only door to data: /api/v1 with the session cookie, CSRF on writes, the
// user's language, the X-Pagination header, and the API's one error shape.
import { language } from './i18n.js';

let csrfToken = null;
const sessionEndedListeners = new Set();

export function setCsrfToken(token) {
  csrfToken = token;
}

export function onSessionEnded(listener) {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

// Tell the console the session is over when an answer other than a 401 says so (e.g. /auth/me
// after a password change that ended it).
export function sessionEnded() {
  for (const listener of sessionEndedListeners) listener();
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    // Field errors as the API names them: {amount: ["..."], "payload.alarm_1": ["..."]}.
    this.fields = (body && body.errors && body.errors.json) || {};
  }
}

function url(path, query) {
  const target = new URL(`/api/v1${path}`, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const one of Array.isArray(value) ? value : [value]) target.searchParams.append(name, one);
  }
  return target;
}

function headersFor(method, extra) {
  const headers = { 'Accept-Language': language(), ...extra };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return headers;
}

// <html data-busy> while any API call is in flight: tests (and styles) can wait on it.
let inFlight = 0;
function busy(change) {
  inFlight += change;
  if (inFlight > 0) document.documentElement.dataset.busy = String(inFlight);
  else delete document.documentElement.dataset.busy;
}

async function tracked(work) {
  busy(1);
  try {
    return await work();
  } finally {
    busy(-1);
  }
}

async function send(method, path, { query, json, form, headers } = {}) {
  const init = { method, credentials: 'same-origin', headers: headersFor(method, headers) };
  if (form !== undefined) {
    init.body = form;  // multipart: the browser writes the Content-Type with its boundary
  } else if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const response = await fetch(url(path, query), init);
  if (response.status === 401 && !path.startsWith('/auth/')) {
    for (const listener of sessionEndedListeners) listener();
  }
  return response;
}

export function api(method, path, options = {}) {
  return tracked(() => call(method, path, options));
}

async function call(method, path, options) {
  const response = await send(method, path, options);
  const text = response.status === 204 ? '' : await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, body);
  const pagination = response.headers.get('X-Pagination');
  return { body, pagination: pagination ? JSON.parse(pagination) : null };
}

// A file sent as multipart/form-data under `name` (a workbook to import).
export function upload(path, file, { name = 'file', query, headers } = {}) {
  const form = new FormData();
  form.append(name, file, file.name);
  return api('POST', path, { query, form, headers });
}

export const get = (path, query) => api('GET', path, { query }).then((answer) => answer.body);

// A workbook (or any file) from the API, saved under the name the API gives it.
export function download(path, query) {
  return tracked(() => save(path, query));
}

async function save(path, query) {
  const response = await send('GET', path, { query });
  if (!response.ok) {
    const text = await response.text();
    throw new ApiError(response.status, text ? JSON.parse(text) : null);
  }
  const disposition = response.headers.get('Content-Disposition') || '';
  const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = named ? decodeURIComponent(named[1]) : 'export.xlsx';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// A key per money-moving or command-issuing click, so a retry never acts twice.
export function idempotencyKey() {
  return crypto.randomUUID();
}
