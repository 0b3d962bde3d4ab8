// A batch remote operation: confirm with the number of meters, send once (Idempotency-Key),
// then follow every meter's command until it is verified, failed or expired.
import { html, useEffect, useRef, useState } from '../lib.js';
import { api, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { Dialog } from '../components/dialog.js';
import { word } from '../format.js';

export const COMMANDS = {
  trip: 'Trip (cut off)', close: 'Close (restore supply)', protect: 'Protect', restore_prepaid: 'Restore prepaid',
  push_tariff: 'Push tariff', push_settings: 'Push settings', clock_sync: 'Clock sync',
};
export const STATES = {
  queued: 'Queued', sent: 'Sent', acknowledged: 'Acknowledged', verified: 'Verified',
  failed: 'Failed', expired: 'Expired', refused: 'Refused',
};
const FINAL = new Set(['verified', 'failed', 'expired', 'refused']);
const POLL_MS = 1500;

export function BatchDialog({ kind, meterIds, labels = {}, onClose }) {
  const [batch, setBatch] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const send = async () => {
    setBusy(true);
    try {
      const answer = await api('POST', '/command-batches', {
        json: { kind, meter_ids: meterIds }, headers: { 'Idempotency-Key': key.current } });
      setBatch(answer.body);
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  const finished = batch && batch.rows.every((row) => FINAL.has(row.state));
  useEffect(() => {
    if (!batch || finished) return undefined;
    const timer = setTimeout(() => api('GET', `/command-batches/${batch.id}`)
      .then(({ body }) => setBatch({ ...body, rows: mergeRefused(batch.rows, body.rows) }))
      .catch((failure) => setError(failure.message)), POLL_MS);
    return () => clearTimeout(timer);
  }, [batch]);
  const title = word(COMMANDS, kind);
  if (!batch) {
    return html`<${Dialog} title=${title} onClose=${onClose}>
      <p class="confirm-text" data-role="confirm-count">${t('Send “{command}” to {n} meters?', { command: title, n: meterIds.length })}</p>
      ${error && html`<div class="form-error" role="alert">${error}</div>`}
      <footer class="dialog-foot">
        <button class="btn" onClick=${onClose}>${t('Cancel')}</button>
        <button class="btn btn-primary" data-role="confirm" disabled=${busy} onClick=${send}>${t('Send')}</button>
      </footer>
    <//>`;
  }
  const counts = {};
  for (const row of batch.rows) counts[row.state] = (counts[row.state] || 0) + 1;
  const done = batch.rows.filter((row) => FINAL.has(row.state)).length;
  return html`<${Dialog} title=${`${title} · ${t('Batch {id}', { id: batch.id })}`} onClose=${onClose} wide>
    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=${batch.rows.length} aria-valuenow=${done}>
      <div class="progress-bar" style=${{ width: `${(100 * done) / Math.max(batch.rows.length, 1)}%` }}></div></div>
    <p class="progress-text" data-role="progress">${finished ? t('Finished') : t('Following each command…')}
      ${Object.entries(counts).map(([state, n]) => html` <span class=${`cmd cmd-${state}`}>${word(STATES, state)} ${n}</span>`)}</p>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <div class="table-scroll short"><table class="data-table compact">
      <thead><tr><th>${t('Meter')}</th><th>${t('Command')}</th><th>${t('State')}</th><th>${t('Why')}</th></tr></thead>
      <tbody>${batch.rows.map((row) => html`<tr key=${row.meter_id} data-meter=${row.meter_id} data-state=${row.state}>
        <td>${labels[row.meter_id] || row.meter_id}</td><td>${row.command_id ?? '—'}</td>
        <td><span class=${`cmd cmd-${row.state}`}>${word(STATES, row.state)}</span></td><td>${row.error || ''}</td></tr>`)}</tbody>
    </table></div>
    <footer class="dialog-foot"><button class="btn btn-primary" onClick=${onClose}>${t('Close')}</button></footer>
  <//>`;
}

// Refused ids have no command row, so the batch read later does not list them: keep them.
function mergeRefused(before, now) {
  const listed = new Set(now.map((row) => row.meter_id));
  return [...now, ...before.filter((row) => row.state === 'refused' && !listed.has(row.meter_id))];
}
