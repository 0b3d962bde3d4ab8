// The Excel import wizard: the template, a workbook chosen, a dry run that lists every error by
// sheet, row and column (or what would be created), then the import itself, all rows or none.
import { html, useRef, useState } from '../lib.js';
import { download, idempotencyKey, upload } from '../api.js';
import { t } from '../i18n.js';
import { Dialog } from '../components/dialog.js';

const PATH = '/workbooks/registry/import';
const COUNTS = { gateways: 'Gateways', buses: 'Buses', buildings: 'Buildings', floors: 'Floors', units: 'Units', meters: 'Meters' };
const STEPS = ['Choose a workbook', 'Check', 'Import'];

function Steps({ at }) {
  return html`<ol class="steps">${STEPS.map((step, i) => html`<li key=${step} class=${i === at ? 'now' : i < at ? 'done' : ''}>
    ${t(step)}</li>`)}</ol>`;
}

function Counts({ counts }) {
  return html`<ul class="counts" data-role="counts">${Object.keys(COUNTS).map((name) => html`<li key=${name} data-count=${name}>
    ${t(COUNTS[name])} <b>${counts[name] ?? 0}</b></li>`)}</ul>`;
}

function RowErrors({ errors }) {
  return html`<div class="table-scroll short"><table class="data-table compact" data-role="row-errors">
    <thead><tr><th>${t('Sheet')}</th><th>${t('Row No.')}</th><th>${t('Column')}</th><th>${t('Why')}</th></tr></thead>
    <tbody>${errors.map((error, i) => html`<tr key=${i} data-sheet=${error.sheet} data-row=${error.row} data-column=${error.column}>
      <td>${error.sheet}</td><td class="num">${error.row ?? '—'}</td><td>${error.column || '—'}</td><td>${error.reason}</td></tr>`)}</tbody>
  </table></div>`;
}

function Preview({ preview }) {
  const meters = preview.meters || [];
  if (!meters.length) return null;
  return html`<div class="table-scroll short"><table class="data-table compact" data-role="preview">
    <thead><tr><th>${t('Row No.')}</th><th>${t('Serial number')}</th><th>${t('Gateway')}</th><th>${t('Bus')}</th>
      <th>${t('Modbus address')}</th><th>${t('Building')}</th><th>${t('Floor')}</th><th>${t('Unit')}</th></tr></thead>
    <tbody>${meters.map((row) => html`<tr key=${row.row}><td class="num">${row.row}</td><td>${row.serial_number}</td>
      <td>${row.gateway}</td><td class="num">${row.bus}</td><td class="num">${row.address}</td>
      <td>${row.building || '—'}</td><td>${row.floor || '—'}</td><td>${row.unit || '—'}</td></tr>`)}</tbody>
  </table></div>`;
}

export function ImportWizard({ onClose, onImported }) {
  const [file, setFile] = useState(null);
  const [check, setCheck] = useState(null);  // {errors} or {counts, preview} of the dry run
  const [done, setDone] = useState(null);
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const step = done ? 2 : check ? 1 : 0;
  const send = async (dryRun) => {
    setBusy(true);
    setFailure(null);
    try {
      const headers = dryRun ? {} : { 'Idempotency-Key': key.current };
      return (await upload(PATH, file, { query: { dry_run: dryRun }, headers })).body;
    } catch (error) {
      const rows = error.body && Array.isArray(error.body.errors) ? error.body.errors : null;
      if (rows) return { errors: rows };
      setFailure(error.message);
      return null;
    } finally {
      setBusy(false);
    }
  };
  const dryRun = async () => {
    const answer = await send(true);
    if (answer) setCheck(answer);
  };
  const importNow = async () => {
    const answer = await send(false);
    if (answer && answer.errors) setCheck(answer);  // the registry changed since the check
    else if (answer) { setDone(answer); onImported(); }
  };
  const choose = (event) => {
    setFile(event.target.files[0] || null);
    setCheck(null);
    key.current = idempotencyKey();  // another workbook is another request
  };
  return html`<${Dialog} title=${t('Import the registry from Excel')} onClose=${onClose} wide>
    <${Steps} at=${step} />
    <div class="wizard">
      ${step < 2 && html`<div class="wizard-pick">
        <button class="btn btn-link" type="button" data-action="template"
          onClick=${() => download('/workbooks/registry/template').catch((error) => setFailure(error.message))}>${t('Download the template')}</button>
        <label class="file-pick">${t('Workbook (.xlsx)')}
          <input type="file" name="workbook" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange=${choose} /></label>
      </div>`}
      ${check && check.errors && html`<div class="form-error" role="alert" data-role="import-refused">
          ${t('Errors found: {n}. Nothing was imported; correct them and check again.', { n: check.errors.length })}</div>
        <${RowErrors} errors=${check.errors} />`}
      ${check && !check.errors && !done && html`<p class="notice" data-role="import-ready">${t('The workbook is correct. Importing it creates:')}</p>
        <${Counts} counts=${check.counts} /><${Preview} preview=${check.preview || {}} />`}
      ${done && html`<p class="notice notice-ok" data-role="import-done">${t('Imported. Created:')}</p><${Counts} counts=${done.counts} />`}
      ${failure && html`<div class="form-error" role="alert">${failure}</div>`}
    </div>
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${done ? t('Close') : t('Cancel')}</button>
      ${!done && html`<button class="btn" data-action="check" disabled=${!file || busy} onClick=${dryRun}>${t('Check (dry run)')}</button>
        <button class="btn btn-primary" data-action="import" disabled=${!check || Boolean(check.errors) || busy}
          onClick=${importNow}>${t('Import')}</button>`}
    </footer>
  <//>`;
}
