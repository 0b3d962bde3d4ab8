// Meters free to open (never opened, or taken off an account), narrowed by building and floor of
// the place tree; one or several chosen.
import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { usePlaceTree } from './tree.js';
import { kwh } from '../format.js';

export function FreeMeters({ siteId, multiple, chosen, onChange }) {
  const tree = usePlaceTree();
  const [buildingId, setBuildingId] = useState('');
  const [floorId, setFloorId] = useState('');
  const [rows, setRows] = useState(null);
  const site = tree.find((s) => s.id === Number(siteId));
  const building = site && site.children.find((b) => b.id === Number(buildingId));
  useEffect(() => { setBuildingId(''); setFloorId(''); }, [siteId]);
  useEffect(() => {
    if (!siteId) { setRows([]); return undefined; }
    let live = true;
    const query = { status: 'not_opened', site_id: siteId, building_id: buildingId, floor_id: floorId, page_size: 100 };
    api('GET', '/meter-status', { query }).then(({ body }) => live && setRows(body));
    return () => { live = false; };
  }, [siteId, buildingId, floorId]);
  const toggle = (row) => {
    if (!multiple) { onChange(new Map([[row.meter_id, row]])); return; }
    const next = new Map(chosen);
    next.has(row.meter_id) ? next.delete(row.meter_id) : next.set(row.meter_id, row);
    onChange(next);
  };
  return html`<div class="free-meter-picker">
    <div class="place-filter">
      <select name="building" aria-label=${t('Building')} value=${buildingId} onChange=${(e) => { setBuildingId(e.target.value); setFloorId(''); }}>
        <option value="">${t('All buildings')}</option>
        ${(site ? site.children : []).map((b) => html`<option value=${b.id}>${b.name}</option>`)}</select>
      <select name="floor" aria-label=${t('Floor')} value=${floorId} disabled=${!building} onChange=${(e) => setFloorId(e.target.value)}>
        <option value="">${t('All floors')}</option>
        ${(building ? building.children : []).map((f) => html`<option value=${f.id}>${f.name}</option>`)}</select>
    </div>
    <div class="free-meters" role="group" aria-label=${t('Free meters')}>
      ${rows === null ? html`<div class="loading">${t('Loading…')}</div>`
        : rows.length === 0 ? html`<div class="empty">${t('No free meters here')}</div>`
        : rows.map((row) => html`<label key=${row.meter_id} data-free-meter=${row.serial_number}>
            <input type=${multiple ? 'checkbox' : 'radio'} name="free-meter" checked=${chosen.has(row.meter_id)} onChange=${() => toggle(row)} />
            <b>${row.serial_number}</b> ${row.building ? `${row.building} ${row.unit || ''}` : ''}
            <span class="muted">${kwh(row.total_energy)}</span></label>`)}
    </div>
  </div>`;
}
