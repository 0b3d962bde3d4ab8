// A dialog form: fields described as data, submitted through a callback that calls the API;
// the API's field errors show under their fields, anything else above the buttons.
import { html, useLayoutEffect, useState } from '../lib.js';
import { t } from '../i18n.js';

export function Dialog({ title, onClose, children, wide }) {
  // Escape closes, as in every desktop dialog. Listening from the layout effect, which runs as
  // the dialog is put on screen, leaves no moment in which a shown dialog ignores Escape (a
  // dialog that replaces another, as the second-factor one does, would otherwise lose a key
  // pressed before the next frame).
  useLayoutEffect(() => {
    const key = (event) => { if (event.key === 'Escape' && onClose) onClose(); };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return html`<div class="overlay" onClick=${(e) => e.target === e.currentTarget && onClose && onClose()}>
    <div class=${`dialog ${wide ? 'dialog-wide' : ''}`} role="dialog" aria-modal="true" aria-label=${title}>
      <header class="dialog-head"><h2>${title}</h2>
        ${onClose && html`<button class="icon-btn" aria-label=${t('Close')} onClick=${onClose}>×</button>`}</header>
      ${children}
    </div>
  </div>`;
}

// A set of ticks (e.g. an operator's sites): the value is the array of chosen option values.
function Ticks({ field, value, onInput }) {
  const chosen = new Set(value || []);
  const flip = (option) => {
    const next = new Set(chosen);
    next.has(option) ? next.delete(option) : next.add(option);
    onInput(field.options.map(([o]) => o).filter((o) => next.has(o)));
  };
  return html`<div class="ticks" id=${`field-${field.name}`} role="group" aria-label=${field.label}>
    ${field.options.map(([option, label]) => html`<label key=${option} class="tick">
      <input type="checkbox" name=${field.name} value=${option} checked=${chosen.has(option)}
        onChange=${() => flip(option)} /> ${label}</label>`)}</div>`;
}

function control(field, id, value, onInput) {
  if (field.type === 'ticks') return html`<${Ticks} field=${field} value=${value} onInput=${onInput} />`;
  if (field.type === 'checkbox') {
    return html`<label class="tick"><input id=${id} name=${field.name} type="checkbox" checked=${Boolean(value)}
      onChange=${(e) => onInput(e.target.checked)} /> ${field.text || ''}</label>`;
  }
  if (field.options) {
    return html`<select id=${id} name=${field.name} value=${value} onChange=${(e) => onInput(e.target.value)}>
      ${field.options.map(([option, label]) => html`<option value=${option}>${label}</option>`)}</select>`;
  }
  return html`<input id=${id} name=${field.name} type=${field.type || 'text'} value=${value}
    autocomplete=${field.autocomplete || 'off'} inputmode=${field.inputmode || null}
    placeholder=${field.placeholder || ''} onInput=${(e) => onInput(e.target.value)} />`;
}

function Field({ field, value, onInput, errors }) {
  const id = `field-${field.name}`;
  // The API answers numbers; the form holds what is typed, so both sides compare as text.
  const held = value === null || value === undefined ? '' : value;
  const input = control(field, id, typeof held === 'number' ? String(held) : held, onInput);
  return html`<div class=${`form-row ${errors ? 'has-error' : ''}`}>
    <label for=${id}>${field.label}</label>
    <div class="form-control">${input}
      ${errors && errors.map((message) => html`<div class="field-error">${message}</div>`)}</div>
  </div>`;
}

// What the API takes from the form's text: numbers for numeric fields, null for an emptied
// nullable one; other empty fields are left out so the API's defaults apply.
export function formPayload(fields, values) {
  const payload = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value === '' || value === null || value === undefined) {
      if (field.nullable) payload[field.name] = null;
      continue;
    }
    payload[field.name] = field.numeric && /^-?\d+$/.test(String(value).trim()) ? Number(value) : value;
  }
  return payload;
}

// A yes/no question before an action that cannot be undone; the action's refusal shows inside.
export function ConfirmDialog({ title, text, confirmLabel, onConfirm, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <p class="confirm-text" data-role="confirm-text">${text}</p>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${t('Cancel')}</button>
      <button class="btn btn-primary" data-role="confirm" disabled=${busy} onClick=${confirm}>${confirmLabel || t('Confirm')}</button>
    </footer>
  <//>`;
}

// `field.shown(values)` hides a field while it does not apply (e.g. the sites of an all-sites operator).
export function DialogForm({ title, intro, fields, initial, submitLabel, onSubmit, onClose, children, wide }) {
  const [values, setValues] = useState(() => Object.fromEntries(fields.map((f) => [f.name, (initial || {})[f.name] ?? ''])));
  const [problem, setProblem] = useState({ message: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onSubmit(values, formPayload(fields, values));
    } catch (error) {
      const fieldErrors = error.fields || {};
      const named = fields.some((f) => fieldErrors[f.name]);
      setProblem({ message: named ? null : error.message, fields: fieldErrors });
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${title} onClose=${onClose} wide=${wide}>
    <form class=${`form ${wide ? 'form-columns' : ''}`} onSubmit=${submit} novalidate>
      ${intro && html`<p class="form-intro">${intro}</p>`}
      ${children}
      ${fields.filter((field) => !field.shown || field.shown(values)).map((field) => html`<${Field} key=${field.name} field=${field} value=${values[field.name]}
        errors=${problem.fields[field.name]} onInput=${(v) => setValues({ ...values, [field.name]: v })} />`)}
      ${problem.message && html`<div class="form-error" role="alert">${problem.message}</div>`}
      <footer class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>${t('Cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy}>${submitLabel || t('Save')}</button>
      </footer>
    </form>
  <//>`;
}
