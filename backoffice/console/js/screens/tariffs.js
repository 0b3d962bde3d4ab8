// Tariffs (电价管理): plans and their versions; a draft edited, tried on last month's
// or this month's energy (the dry run) and published after a confirmation; where each plan applies.
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { navigate } from '../router.js';
import { ConfirmDialog, DialogForm } from '../components/dialog.js';
import { BandBar } from '../components/band_bar.js';
import { DraftEditor } from './tariff_editor.js';
import { DryRun } from './tariff_dry_run.js';
import { Assignments } from './tariff_assignments.js';
import { when } from '../format.js';

const VERSION_STATUSES = { draft: 'Draft', published: 'Published' };

function PlanList({ plans, sites, chosen, onNew }) {
  const siteName = (id) => (sites.find((site) => site.id === id) || {}).name || '';
  return html`<nav class="tree plan-list" aria-label=${t('Tariff plans')}>
    ${can('tariffs.write') && html`<button class="btn btn-primary btn-block-small" data-role="write" data-action="new-plan" onClick=${onNew}>+ ${t('New plan')}</button>`}
    <ul>${plans.map((plan) => html`<li key=${plan.id}><a class=${`tree-row plan-row ${chosen && chosen.id === plan.id ? 'chosen' : ''}`}
      href=${`#/tariffs?plan=${plan.id}`} data-plan=${plan.id}><span class="tree-label">${plan.name}
      <span class="muted small">${plan.code}${sites.length > 1 ? ` · ${siteName(plan.site_id)}` : ''}</span></span></a></li>`)}</ul>
    ${plans.length === 0 && html`<div class="empty">${t('Nothing to show')}</div>`}
  </nav>`;
}

// The day plan a version uses on an ordinary day (no time of use: flat all day).
function dayPlanOf(version) {
  const tou = version.tariff.time_of_use;
  return tou ? tou.day_plan : [['00:00', '24:00', 'flat']];
}

function Versions({ plan, versions, onEdit, onDryRun, onPublish, onDelete, trying }) {
  const writable = can('tariffs.write');
  const latest = versions[versions.length - 1];
  return html`<section class="panel" data-role="versions">
    <div class="panel-head"><h3 class="panel-title">${plan.name} <span class="muted">${plan.code}</span></h3>
      ${writable && html`<button class="btn btn-primary" data-role="write" data-action="new-draft"
        onClick=${() => onEdit({ tariff: latest ? latest.tariff : {}, effective_from: '', note: '' })}>+ ${t('New draft')}</button>`}</div>
    ${plan.description && html`<p class="muted">${plan.description}</p>`}
    <table class="data-table compact versions"><thead><tr><th>${t('Version')}</th><th>${t('Status')}</th><th>${t('In force from')}</th>
      <th class="band-column">${t('Day plan')}</th><th>${t('Note')}</th><th>${t('Published')}</th><th>${t('Actions')}</th></tr></thead>
      <tbody>${[...versions].reverse().map((version) => html`<tr key=${version.id} data-version=${version.id} data-status=${version.status}
        class=${trying && trying.id === version.id ? 'chosen' : ''}>
        <td>${version.id}</td>
        <td><span class=${`sale sale-${version.status === 'published' ? 'completed' : 'pending'}`}>${t(VERSION_STATUSES[version.status])}</span></td>
        <td>${version.effective_from}</td>
        <td class="band-column"><${BandBar} rows=${dayPlanOf(version)} /></td>
        <td>${version.note || '—'}</td><td>${when(version.published_at)}</td>
        <td>
          <button class="btn btn-small btn-link" data-action="dry-run" onClick=${() => onDryRun(version)}>${t('Dry run')}</button>
          ${version.status === 'draft' && writable && html`<button class="btn btn-small btn-link" data-role="write" data-action="edit"
            onClick=${() => onEdit(version)}>${t('Edit')}</button>`}
          ${version.status === 'draft' && can('tariffs.publish') && html`<button class="btn btn-small btn-link" data-role="write"
            data-action="publish" onClick=${() => onPublish(version)}>${t('Publish')}</button>`}
          ${version.status === 'draft' && writable && html`<button class="btn btn-small btn-link danger" data-role="write"
            data-action="delete" onClick=${() => onDelete(version)}>${t('Delete')}</button>`}
          ${version.status === 'published' && writable && html`<button class="btn btn-small btn-link" data-role="write"
            data-action="copy" onClick=${() => onEdit({ tariff: version.tariff, effective_from: '', note: '' })}>${t('Copy to a new draft')}</button>`}
        </td></tr>`)}</tbody></table>
  </section>`;
}

function planFields(sites) {
  return [
    { name: 'site_id', label: t('Site'), numeric: true, options: sites.map((site) => [String(site.id), site.name]) },
    { name: 'code', label: t('Code') }, { name: 'name', label: t('Name') }, { name: 'description', label: t('Description') },
  ];
}

export function TariffsScreen({ query }) {
  const [plans, setPlans] = useState([]);
  const [sites, setSites] = useState([]);
  const [versions, setVersions] = useState([]);
  const [editing, setEditing] = useState(null);
  const [trying, setTrying] = useState(null);
  const [asking, setAsking] = useState(null);  // {version, action: 'publish' | 'delete'}
  const [creating, setCreating] = useState(false);
  const [reloads, setReloads] = useState(0);
  const plan = plans.find((p) => String(p.id) === query.plan) || plans[0] || null;
  useEffect(() => {
    get('/tariffs/plans', { page_size: 100 }).then(setPlans);
    get('/places/tree').then(setSites);
  }, [reloads]);
  useEffect(() => {
    setEditing(null);
    setTrying(null);
    setVersions([]);  // never another plan's versions, even for the moment before they come
  }, [plan && plan.id]);
  useEffect(() => {
    let live = true;  // a late answer for the plan shown before is dropped
    if (plan) get(`/tariffs/plans/${plan.id}/versions`).then((found) => live && setVersions(found));
    return () => { live = false; };
  }, [plan && plan.id, reloads]);
  const reload = () => setReloads((n) => n + 1);
  const decide = async () => {
    const { version, action } = asking;
    if (action === 'publish') await api('POST', `/tariffs/versions/${version.id}/publish`);
    else await api('DELETE', `/tariffs/versions/${version.id}`);
    setAsking(null);
    reload();
  };
  const createPlan = async (_values, payload) => {
    const { body } = await api('POST', '/tariffs/plans', { json: payload });
    setCreating(false);
    reload();
    navigate('/tariffs', { plan: body.id });
  };
  return html`<div class="with-tree">
    <${PlanList} plans=${plans} sites=${sites} chosen=${plan} onNew=${() => setCreating(true)} />
    <div class="tariff-main">
      ${plan && (editing
        ? html`<${DraftEditor} key=${editing.id || 'new'} plan=${plan} version=${editing}
            onSaved=${(saved) => { setEditing(null); reload(); setTrying(saved); }} onClose=${() => setEditing(null)} />`
        : html`<${Versions} plan=${plan} versions=${versions} trying=${trying} onEdit=${setEditing} onDryRun=${setTrying}
            onPublish=${(version) => setAsking({ version, action: 'publish' })} onDelete=${(version) => setAsking({ version, action: 'delete' })} />`)}
      ${plan && trying && !editing && html`<${DryRun} key=${trying.id} version=${trying} />`}
      ${plan && !editing && html`<${Assignments} plan=${plan} plans=${plans} />`}
    </div>
    ${asking && html`<${ConfirmDialog} title=${asking.action === 'publish' ? t('Publish') : t('Delete')}
      confirmLabel=${asking.action === 'publish' ? t('Publish') : t('Delete')}
      text=${asking.action === 'publish'
        ? t('Publish version {id} of {plan}? It is in force from {date} and can never change afterwards.', { id: asking.version.id, plan: plan.name, date: asking.version.effective_from })
        : t('Delete draft {id}? This cannot be undone.', { id: asking.version.id })}
      onConfirm=${decide} onClose=${() => setAsking(null)} />`}
    ${creating && html`<${DialogForm} title=${t('New plan')} fields=${planFields(sites)}
      initial=${{ site_id: sites.length ? sites[0].id : '' }} onSubmit=${createPlan} onClose=${() => setCreating(false)} />`}
  </div>`;
}
