// Registry (系统设置): sites and their defaults, buildings, floors, units, gateways with their
// buses, meters; the place tree narrows every list; the Excel import wizard and the export.
import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { navigate } from '../router.js';
import { PlaceTree, usePlaceTree } from '../components/tree.js';
import { CrudList } from '../components/crud.js';
import { ExportButton } from '../components/export_button.js';
import { ImportWizard } from './registry_import.js';
import { kinds } from './registry_kinds.js';

const TABS = ['sites', 'buildings', 'floors', 'units', 'gateways', 'meters'];
const MAX_PAGES = 20;  // drop-downs list at most 2,000 gateways or units

// Every page of a list, for the forms' drop-downs and the tables' names.
async function everything(path) {
  const rows = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const { body, pagination } = await api('GET', path, { query: { page, page_size: 100 } });
    rows.push(...body);
    if (!pagination || page >= pagination.total_pages) break;
  }
  return rows;
}

// Sites, buildings and floors by id from the tree, each with a label naming where it is.
function placesOf(tree, gateways, units) {
  const places = { sites: {}, buildings: {}, floors: {}, buses: {}, units: {} };
  const several = tree.length > 1;
  for (const site of tree) {
    places.sites[site.id] = { id: site.id, name: site.name };
    for (const building of site.children) {
      const label = several ? `${site.name} · ${building.name}` : building.name;
      places.buildings[building.id] = { id: building.id, label, site_id: site.id };
      for (const floor of building.children) {
        // Floors and units are named within their building: the tree already says the site.
        places.floors[floor.id] = { id: floor.id, label: `${building.name} ${floor.name}`, building_id: building.id, site_id: site.id };
      }
    }
  }
  for (const gateway of gateways) {
    for (const bus of gateway.buses) {
      places.buses[bus.id] = { id: bus.id, label: `${gateway.name} · ${t('Bus {n}', { n: bus.number })}` };
    }
  }
  for (const unit of units) {
    const floor = places.floors[unit.floor_id];
    places.units[unit.id] = { id: unit.id, label: floor ? `${floor.label} ${unit.name}` : unit.name };
  }
  return places;
}

// The chosen node of the tree and the places above it, as the lists' filters.
function scopeOf(node, places) {
  if (!node) return {};
  if (node.kind === 'site') return { site_id: node.id };
  if (node.kind === 'building') return { site_id: places.buildings[node.id].site_id, building_id: node.id };
  const floor = places.floors[node.id];
  return { site_id: floor.site_id, building_id: floor.building_id, floor_id: node.id };
}

export function RegistryScreen({ query }) {
  const tab = TABS.includes(query.tab) ? query.tab : 'meters';
  const [version, setVersion] = useState(0);
  const tree = usePlaceTree(version);
  const [gateways, setGateways] = useState([]);
  const [units, setUnits] = useState([]);
  const [node, setNode] = useState(null);
  const [importing, setImporting] = useState(false);
  useEffect(() => {
    everything('/gateways').then(setGateways);
    everything('/units').then(setUnits);
  }, [version]);
  const places = placesOf(tree, gateways, units);
  const scope = scopeOf(node, places);
  const kind = kinds(places)[tab];
  const writable = can('registry.write');
  const changed = () => setVersion((n) => n + 1);  // names in the tree and drop-downs
  const defaults = typeof kind.defaults === 'function' ? kind.defaults(scope) : kind.defaults;
  const tools = html`
    ${writable && html`<button class="btn" data-role="write" data-action="open-import" onClick=${() => setImporting(true)}>${t('Import from Excel')}</button>`}
    <${ExportButton} path="/workbooks/registry/export" query=${{ site_id: scope.site_id }} />`;
  return html`<div class="with-tree">
    <${PlaceTree} nodes=${tree} chosen=${node} onChoose=${setNode} />
    <div class="list-screen">
      <div class="tabs" role="tablist">
        ${TABS.map((name) => html`<button key=${name} role="tab" aria-selected=${name === tab} data-tab=${name}
          class=${name === tab ? 'on' : ''} onClick=${() => navigate('/registry', { tab: name })}>${t(kinds(places)[name].title)}</button>`)}
      </div>
      <${CrudList} key=${tab} kind=${tab} path=${kind.path} noun=${kind.noun} filters=${kind.filters(scope)}
        columns=${kind.columns} fields=${kind.fields} defaults=${defaults} label=${kind.label} wide=${kind.wide}
        writable=${writable} tools=${tools} onChanged=${changed} search=${kind.search} />
    </div>
    ${importing && html`<${ImportWizard} onClose=${() => setImporting(false)} onImported=${changed} />`}
  </div>`;
}
