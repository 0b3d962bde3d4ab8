// A list the operator keeps: the API's paged list with add, edit and delete through the
// dialog form (its field errors on the fields) and a confirmation before deleting.
import { html, useState } from '../lib.js';
import { api, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { DataTable, usePagedList } from './table.js';
import { ConfirmDialog, DialogForm } from './dialog.js';

// path: the API's collection (/buildings); noun: the row's kind in words ('building');
// fields(row): the form's fields; defaults: a new row's values; label(row): its name;
// onChanged: after a row was added, changed or deleted (other lists may name it);
// search: {name, label} of the one query argument typed into the search box (exact match).
export function CrudList({ path, filters, columns, fields, noun, defaults, label, writable, tools, wide, kind, onChanged, search }) {
  const [typed, setTyped] = useState('');
  const [sought, setSought] = useState('');
  const list = usePagedList(path, search && sought ? { ...filters, [search.name]: sought } : filters);
  const [editing, setEditing] = useState(null);  // {row} to change one, {row: null} to add
  const [deleting, setDeleting] = useState(null);
  const what = t(noun);
  const save = async (_values, payload) => {
    if (editing.row) {
      await api('PATCH', `${path}/${editing.row.id}`, { json: payload });
    } else {
      await api('POST', path, { json: payload, headers: { 'Idempotency-Key': idempotencyKey() } });
    }
    setEditing(null);
    list.reload();
    if (onChanged) onChanged();
  };
  const remove = async () => {
    await api('DELETE', `${path}/${deleting.id}`);
    setDeleting(null);
    list.reload();
    if (onChanged) onChanged();
  };
  const shown = writable ? [...columns, { key: 'actions', title: t('Actions'), render: (row) => html`
    <button class="btn btn-small btn-link" data-role="write" data-action="edit" onClick=${() => setEditing({ row })}>${t('Edit')}</button>
    <button class="btn btn-small btn-link danger" data-role="write" data-action="delete" onClick=${() => setDeleting(row)}>${t('Delete')}</button>` }]
    : columns;
  return html`<div class="crud" data-kind=${kind}>
    ${search && html`<form class="search-form" onSubmit=${(e) => { e.preventDefault(); setSought(typed.trim()); }}>
      <input type="search" name=${`search-${search.name}`} value=${typed} placeholder=${search.label}
        aria-label=${search.label} onInput=${(e) => setTyped(e.target.value)} />
      <button class="btn btn-primary" type="submit">${t('Search')}</button>
      <button class="btn" type="button" onClick=${() => { setTyped(''); setSought(''); }}>${t('Reset')}</button>
    </form>`}
    <div class="toolbar">
      ${writable && html`<button class="btn btn-primary" data-role="write" data-action="add"
        onClick=${() => setEditing({ row: null })}>+ ${t('Add')}</button>`}
      ${tools}
    </div>
    <${DataTable} columns=${shown} list=${list} />
    ${editing && html`<${DialogForm} key=${editing.row ? editing.row.id : 'new'} wide=${wide}
      title=${editing.row ? t('Edit {what}', { what }) : t('Add {what}', { what })}
      fields=${fields(editing.row)} initial=${editing.row || defaults} onSubmit=${save} onClose=${() => setEditing(null)} />`}
    ${deleting && html`<${ConfirmDialog} title=${t('Delete {what}', { what })} confirmLabel=${t('Delete')}
      text=${t('Delete {what} “{name}”? This cannot be undone.', { what, name: label(deleting) })}
      onConfirm=${remove} onClose=${() => setDeleting(null)} />`}
  </div>`;
}
