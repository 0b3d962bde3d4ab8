// What a tenant sees when the API cannot be reached: say so plainly, and offer to try again.
import { html } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';

export function isOffline(error) {
  return !error || error.status === undefined || error.status >= 500;
}

export function Offline({ onRetry, message }) {
  return html`<div class="offline" role="alert">
    <p class="offline-title">${t('Cannot reach the server.')}</p>
    <p>${message || t('Check the connection of the phone. Nothing is lost or paid twice when you try again.')}</p>
    <button class="btn btn-primary" onClick=${onRetry}>${t('Try again')}</button>
  </div>`;
}

// The text of an API refusal, or the offline words when the request never got an answer.
export function problem(error) {
  if (isOffline(error)) return t('Cannot reach the server.');
  return error.message;
}
