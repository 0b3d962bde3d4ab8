// Site and building choices for a filter form, from the place tree the user may see.
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';

export function usePlaces() {
  const [sites, setSites] = useState([]);
  useEffect(() => { get('/places/tree').then(setSites); }, []);
  return sites;
}

export function SiteSelect({ sites, value, onChange }) {
  return html`<label>${t('Site')} <select name="site_id" value=${value} onChange=${(e) => onChange(e.target.value)}>
    <option value="">${t('All sites')}</option>
    ${sites.map((site) => html`<option key=${site.id} value=${site.id}>${site.name}</option>`)}</select></label>`;
}

export function BuildingSelect({ sites, siteId, value, onChange }) {
  const buildings = sites.filter((site) => !siteId || String(site.id) === String(siteId))
    .flatMap((site) => site.children);
  return html`<label>${t('Building')} <select name="building_id" value=${value} onChange=${(e) => onChange(e.target.value)}>
    <option value="">${t('All')}</option>
    ${buildings.map((building) => html`<option key=${building.id} value=${building.id}>${building.name}</option>`)}</select></label>`;
}
