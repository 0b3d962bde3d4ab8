// Where a site's plans apply: its default, accounts and meters with their own plan; the
// chosen plan given to the site, to an account (found by any key) or to meters by serial.
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { AccountPicker } from '../components/account_picker.js';

// Account numbers and meter serials of the overrides, for people (ids mean nothing to them).
async function named(rows) {
  const labels = {};
  await Promise.all(rows.map(async (row) => {
    if (row.account_id) labels[row.id] = `${t('Account')} ${(await get(`/accounts/${row.account_id}`)).number}`;
    else if (row.meter_id) labels[row.id] = `${t('Meter')} ${(await get(`/meters/${row.meter_id}`)).serial_number}`;
    else labels[row.id] = t('The whole site (default)');
  }));
  return labels;
}

export function Assignments({ plan, plans }) {
  const [rows, setRows] = useState([]);
  const [labels, setLabels] = useState({});
  const [serials, setSerials] = useState('');
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    let live = true;
    get('/tariffs/assignments', { site_id: plan.site_id }).then(async (found) => {
      const names = await named(found);
      if (live) { setRows(found); setLabels(names); }
    }).catch((failure) => live && setError(failure.message));
    return () => { live = false; };
  }, [plan.site_id, reloads]);
  const act = async (method, path, json, done) => {
    setError(null);
    setMessage(null);
    try {
      await api(method, path, { json });
      setMessage(done);
      setReloads((n) => n + 1);
    } catch (failure) {
      setError(Object.values(failure.fields || {}).flat()[0] || failure.message);
    }
  };
  const toMeters = async (event) => {
    event.preventDefault();
    const wanted = serials.split(/[\s,，]+/).filter(Boolean);
    const found = await Promise.all(wanted.map((serial) => get('/meters', { serial_number: serial, site_id: plan.site_id })));
    const unknown = wanted.filter((_, i) => found[i].length === 0);
    if (unknown.length) { setError(t('No meter with serial number {serials} at this site.', { serials: unknown.join(', ') })); return; }
    await act('PUT', '/tariffs/assignments/meters', { plan_id: plan.id, meter_ids: found.map((hits) => hits[0].id) },
      t('{n} meters now use {plan}.', { n: wanted.length, plan: plan.name }));
    setSerials('');
  };
  const planName = (id) => (plans.find((p) => p.id === id) || { name: `#${id}` }).name;
  const writable = can('tariffs.write');
  return html`<section class="panel" data-role="assignments">
    <h3 class="panel-title">${t('Where the plans apply')}</h3>
    <table class="data-table compact"><thead><tr><th>${t('Applies to')}</th><th>${t('Tariff plan')}</th>
      ${writable && html`<th>${t('Actions')}</th>`}</tr></thead>
      <tbody>${rows.map((row) => html`<tr key=${row.id} class=${row.plan_id === plan.id ? 'chosen' : ''} data-assignment=${row.id}>
        <td>${labels[row.id] || '…'}</td><td>${planName(row.plan_id)}</td>
        ${writable && html`<td><button class="btn btn-small btn-link danger" data-role="write" onClick=${() => act('PUT',
          row.account_id ? `/tariffs/assignments/accounts/${row.account_id}` : row.meter_id ? '/tariffs/assignments/meters'
            : `/tariffs/assignments/sites/${plan.site_id}`,
          row.meter_id ? { plan_id: null, meter_ids: [row.meter_id] } : { plan_id: null }, t('Removed.'))}>${t('Remove')}</button></td>`}
      </tr>`)}</tbody></table>
    ${rows.length === 0 && html`<div class="empty">${t('No plan applies here: the site default price is used.')}</div>`}
    ${writable && html`<div class="assign-tools">
      <button class="btn" data-role="write" data-action="site-default" onClick=${() => act('PUT', `/tariffs/assignments/sites/${plan.site_id}`,
        { plan_id: plan.id }, t('{plan} is now the site default.', { plan: plan.name }))}>${t('Make it the site default')}</button>
      <div class="assign-account"><span class="muted">${t('Give it to an account')}</span>
        <${AccountPicker} onChoose=${(hit) => act('PUT', `/tariffs/assignments/accounts/${hit.id}`, { plan_id: plan.id },
          t('Account {number} now uses {plan}.', { number: hit.number, plan: plan.name }))} /></div>
      <form class="toolbar" onSubmit=${toMeters}>
        <input class="wide-input" name="meter-serials" value=${serials} onInput=${(e) => setSerials(e.target.value)}
          placeholder=${t('Meter serial numbers, separated by commas')} />
        <button class="btn" type="submit" data-role="write" disabled=${!serials.trim()}>${t('Give it to these meters')}</button>
      </form>
    </div>`}
    ${message && html`<div class="notice notice-ok" role="status">${message}</div>`}
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
  </section>`;
}
