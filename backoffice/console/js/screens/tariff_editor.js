// The draft editor: prices per band, the day plan drawn as a 24-hour bar, seasons, holidays,
// tiers, the fixed charge and the power-factor standard; the engine's refusals under the part
// they name (tariff.time_of_use.seasons[0].day_plan …).
import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { BANDS, BandBar, BandLegend } from '../components/band_bar.js';

const PF_STANDARDS = ['0.90', '0.85', '0.80'];
const FLAT_DAY = [['00:00', '24:00', 'flat']];

// The form's copy of a tariff: every optional part present, so inputs always have a value.
export function editable(tariff) {
  const tou = tariff.time_of_use;
  return {
    name: tariff.name || '',
    prices: { sharp: '', peak: '', flat: '', valley: '', ...(tariff.prices || {}) },
    timeOfUse: Boolean(tou),
    dayPlan: tou ? tou.day_plan : FLAT_DAY,
    seasons: tou ? tou.seasons || [] : [],
    holidays: tou ? (tou.holidays || []).join(', ') : '',
    holidayPlan: tou && tou.holiday_plan ? tou.holiday_plan : null,
    tiered: Boolean(tariff.tiers),
    tiers: tariff.tiers || { period: 'month', blocks: [{ up_to: '', increment: '0.0000' }] },
    monthlyCharge: tariff.monthly_charge || '0.00',
    powerFactor: tariff.power_factor_standard || '',
  };
}

// Back to the engine's JSON: only the bands the plans use are priced (a flat tariff: flat).
export function tariffOf(form) {
  const used = new Set(form.timeOfUse ? [form.dayPlan, ...form.seasons.map((s) => s.day_plan), form.holidayPlan || []]
    .flat().map((row) => row[2]) : ['flat']);
  const prices = Object.fromEntries(Object.entries(form.prices).filter(([band, price]) => used.has(band) || price.trim() !== '')
    .map(([band, price]) => [band, price.trim()]));
  const holidays = form.holidays.split(/[\s,，]+/).filter(Boolean);
  const tariff = {
    name: form.name,
    prices,
    time_of_use: form.timeOfUse ? {
      day_plan: form.dayPlan, seasons: form.seasons, holidays, holiday_plan: form.holidayPlan,
    } : null,
    tiers: form.tiered ? {
      period: form.tiers.period,
      blocks: form.tiers.blocks.map((block, i, all) => ({
        up_to: i === all.length - 1 && String(block.up_to || '').trim() === '' ? null : String(block.up_to).trim(),
        increment: String(block.increment).trim() })),
    } : null,
    monthly_charge: form.monthlyCharge.trim(),
  };
  // No standard is no key at all: the API reads every value given there as a decimal.
  if (form.powerFactor) tariff.power_factor_standard = form.powerFactor;
  return tariff;
}

// The API's messages for the paths that start with `prefix`; `seen` collects what was shown.
function messagesAt(fields, prefix, seen) {
  const found = [];
  for (const [path, messages] of Object.entries(fields)) {
    if (seen.has(path)) continue;  // a narrower section showed it already
    if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) {
      seen.add(path);
      found.push(...messages);
    }
  }
  return found;
}

function Errors({ messages }) {
  return messages.map((message, i) => html`<div key=${i} class="field-error" role="alert">${message}</div>`);
}

function DayPlanRows({ rows, onChange, label }) {
  const set = (i, column, value) => onChange(rows.map((row, n) => (n === i ? row.map((cell, c) => (c === column ? value : cell)) : row)));
  return html`<div class="day-plan">
    <${BandBar} rows=${rows} label=${label} />
    <table class="data-table compact period-rows"><thead><tr>
      <th>${t('From')}</th><th>${t('To')}</th><th>${t('Band')}</th><th></th></tr></thead>
      <tbody>${rows.map((row, i) => html`<tr key=${i}>
        <td><input class="clock" aria-label=${t('From')} value=${row[0]} placeholder="HH:MM" onInput=${(e) => set(i, 0, e.target.value)} /></td>
        <td><input class="clock" aria-label=${t('To')} value=${row[1]} placeholder="HH:MM" onInput=${(e) => set(i, 1, e.target.value)} /></td>
        <td><select aria-label=${t('Band')} value=${row[2]} onChange=${(e) => set(i, 2, e.target.value)}>
          ${Object.keys(BANDS).map((band) => html`<option value=${band}>${t(BANDS[band])}</option>`)}</select></td>
        <td><button type="button" class="btn btn-small btn-link danger" disabled=${rows.length < 2}
          onClick=${() => onChange(rows.filter((_, n) => n !== i))}>${t('Remove')}</button></td></tr>`)}</tbody></table>
    <button type="button" class="btn btn-small" data-action="add-period"
      onClick=${() => onChange([...rows, [rows.length ? rows[rows.length - 1][1] : '00:00', '24:00', 'flat']])}>+ ${t('Add a period')}</button>
  </div>`;
}

export function DraftEditor({ plan, version, onSaved, onClose }) {
  const [form, setForm] = useState(() => editable(version ? version.tariff : {}));
  const [effectiveFrom, setEffectiveFrom] = useState(version ? version.effective_from : '');
  const [note, setNote] = useState(version ? version.note : '');
  const [problem, setProblem] = useState({ message: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const change = (part) => setForm({ ...form, ...part });
  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const json = { effective_from: effectiveFrom, note, tariff: tariffOf(form) };
      const answer = version && version.id
        ? await api('PATCH', `/tariffs/versions/${version.id}`, { json })
        : await api('POST', `/tariffs/plans/${plan.id}/versions`, { json });
      onSaved(answer.body);
    } catch (error) {
      setProblem({ message: error.message, fields: error.fields || {} });
    } finally {
      setBusy(false);
    }
  };
  const seen = new Set();
  const at = (prefix) => messagesAt(problem.fields, prefix, seen);
  const sections = html`
    <div class="editor-grid">
      <label>${t('In force from')}<input type="date" name="effective_from" value=${effectiveFrom} onInput=${(e) => setEffectiveFrom(e.target.value)} />
        <${Errors} messages=${at('effective_from')} /></label>
      <label>${t('Tariff name')}<input name="tariff-name" value=${form.name} onInput=${(e) => change({ name: e.target.value })} />
        <${Errors} messages=${at('tariff.name')} /></label>
      <label class="span-2">${t('Note')}<input name="note" value=${note} onInput=${(e) => setNote(e.target.value)} />
        <${Errors} messages=${at('note')} /></label>
    </div>
    <fieldset data-section="prices"><legend>${t('Prices (yuan per kWh)')}</legend><div class="editor-grid four">
      ${Object.keys(BANDS).filter((band) => form.timeOfUse || band === 'flat').map((band) => html`<label key=${band}>
        <span class=${`tag band-${band}`}>${t(BANDS[band])}</span>
        <input name=${`price-${band}`} inputmode="decimal" value=${form.prices[band]} placeholder="0.0000"
          onInput=${(e) => change({ prices: { ...form.prices, [band]: e.target.value } })} /></label>`)}</div>
      <${Errors} messages=${at('tariff.prices')} /></fieldset>
    <fieldset data-section="time-of-use"><legend><label class="check"><input type="checkbox" name="time-of-use" checked=${form.timeOfUse}
      onChange=${(e) => change({ timeOfUse: e.target.checked })} />${t('Time of use')}</label></legend>
      ${form.timeOfUse && html`<${BandLegend} />
        <h4>${t('Day plan')}</h4>
        <${DayPlanRows} rows=${form.dayPlan} label=${t('Day plan')} onChange=${(dayPlan) => change({ dayPlan })} />
        <${Errors} messages=${at('tariff.time_of_use.day_plan')} />
        <h4>${t('Seasons')}</h4>
        ${form.seasons.map((season, i) => html`<div class="season" key=${i} data-season=${i}>
          <div class="toolbar">
            <input aria-label=${t('Season name')} placeholder=${t('Season name')} value=${season.name}
              onInput=${(e) => change({ seasons: form.seasons.map((s, n) => (n === i ? { ...s, name: e.target.value } : s)) })} />
            <label>${t('From')} <input class="clock" placeholder="MM-DD" value=${season.from}
              onInput=${(e) => change({ seasons: form.seasons.map((s, n) => (n === i ? { ...s, from: e.target.value } : s)) })} /></label>
            <label>${t('To')} <input class="clock" placeholder="MM-DD" value=${season.to}
              onInput=${(e) => change({ seasons: form.seasons.map((s, n) => (n === i ? { ...s, to: e.target.value } : s)) })} /></label>
            <button type="button" class="btn btn-small btn-link danger" onClick=${() => change({ seasons: form.seasons.filter((_, n) => n !== i) })}>${t('Remove')}</button>
          </div>
          <${DayPlanRows} rows=${season.day_plan} label=${season.name}
            onChange=${(dayPlan) => change({ seasons: form.seasons.map((s, n) => (n === i ? { ...s, day_plan: dayPlan } : s)) })} />
          <${Errors} messages=${at(`tariff.time_of_use.seasons[${i}]`)} />
        </div>`)}
        <button type="button" class="btn btn-small" data-action="add-season" onClick=${() => change({ seasons: [...form.seasons,
          { name: '', from: '07-01', to: '08-31', day_plan: form.dayPlan }] })}>+ ${t('Add a season')}</button>
        <${Errors} messages=${at('tariff.time_of_use.seasons')} />
        <h4>${t('Holidays')}</h4>
        <input class="wide-input" name="holidays" placeholder="2026-10-01, 2026-10-02" value=${form.holidays}
          onInput=${(e) => change({ holidays: e.target.value, holidayPlan: form.holidayPlan || (e.target.value.trim() ? FLAT_DAY : null) })} />
        <${Errors} messages=${at('tariff.time_of_use.holidays')} />
        ${form.holidayPlan && html`<p class="muted">${t('Holiday day plan')}</p>
          <${DayPlanRows} rows=${form.holidayPlan} label=${t('Holiday day plan')} onChange=${(holidayPlan) => change({ holidayPlan })} />`}
        <${Errors} messages=${at('tariff.time_of_use.holiday_plan')} />`}
      <${Errors} messages=${at('tariff.time_of_use')} /></fieldset>
    <fieldset data-section="tiers"><legend><label class="check"><input type="checkbox" name="tiered" checked=${form.tiered}
      onChange=${(e) => change({ tiered: e.target.checked })} />${t('Tiers')}</label></legend>
      ${form.tiered && html`<label>${t('Counted per')} <select name="tier-period" value=${form.tiers.period}
          onChange=${(e) => change({ tiers: { ...form.tiers, period: e.target.value } })}>
          <option value="month">${t('Month')}</option><option value="year">${t('Year')}</option></select></label>
        <table class="data-table compact period-rows"><thead><tr><th>${t('Up to (kWh)')}</th><th>${t('Extra per kWh')}</th><th></th></tr></thead>
          <tbody>${form.tiers.blocks.map((block, i) => html`<tr key=${i}>
            <td><input aria-label=${t('Up to (kWh)')} value=${block.up_to ?? ''} placeholder=${t('No limit')}
              onInput=${(e) => change({ tiers: { ...form.tiers, blocks: form.tiers.blocks.map((b, n) => (n === i ? { ...b, up_to: e.target.value } : b)) } })} /></td>
            <td><input aria-label=${t('Extra per kWh')} value=${block.increment}
              onInput=${(e) => change({ tiers: { ...form.tiers, blocks: form.tiers.blocks.map((b, n) => (n === i ? { ...b, increment: e.target.value } : b)) } })} /></td>
            <td><button type="button" class="btn btn-small btn-link danger" disabled=${form.tiers.blocks.length < 2}
              onClick=${() => change({ tiers: { ...form.tiers, blocks: form.tiers.blocks.filter((_, n) => n !== i) } })}>${t('Remove')}</button></td></tr>`)}</tbody></table>
        <button type="button" class="btn btn-small" onClick=${() => change({ tiers: { ...form.tiers,
          blocks: [...form.tiers.blocks, { up_to: '', increment: '0.0000' }] } })}>+ ${t('Add a tier')}</button>`}
      <${Errors} messages=${at('tariff.tiers')} /></fieldset>
    <div class="editor-grid">
      <label>${t('Fixed charge per month')}<input name="monthly_charge" inputmode="decimal" value=${form.monthlyCharge}
        onInput=${(e) => change({ monthlyCharge: e.target.value })} /><${Errors} messages=${at('tariff.monthly_charge')} /></label>
      <label>${t('Power-factor standard')}<select name="power_factor_standard" value=${form.powerFactor}
        onChange=${(e) => change({ powerFactor: e.target.value })}>
        <option value="">${t('None')}</option>${PF_STANDARDS.map((value) => html`<option value=${value}>${value}</option>`)}</select>
        <${Errors} messages=${at('tariff.power_factor_standard')} /></label>
    </div>`;
  // Whatever no section showed (a path the editor does not know, or no path): above the buttons.
  const rest = Object.entries(problem.fields).filter(([path]) => !seen.has(path)).flatMap(([, messages]) => messages);
  const general = Object.keys(problem.fields).length ? rest : problem.message ? [problem.message] : [];
  return html`<form class="panel tariff-editor" data-role="draft-editor" onSubmit=${save} novalidate>
    <h3 class="panel-title">${version && version.id ? t('Draft {id} of {plan}', { id: version.id, plan: plan.name }) : t('New draft of {plan}', { plan: plan.name })}</h3>
    ${sections}
    ${general.map((message, i) => html`<div key=${i} class="form-error" role="alert">${message}</div>`)}
    <footer class="toolbar editor-foot">
      <button type="button" class="btn" onClick=${onClose}>${t('Cancel')}</button>
      <button type="submit" class="btn btn-primary" data-role="write" disabled=${busy}>${t('Save the draft')}</button>
    </footer>
  </form>`;
}
