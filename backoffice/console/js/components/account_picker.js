// Find an account by typing a few characters of any key (number, name, phone, unit, serial).
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';

const PAUSE_MS = 200;

export function AccountPicker({ onChoose, autofocus }) {
  const [text, setText] = useState('');
  const [hits, setHits] = useState([]);
  useEffect(() => {
    if (!text.trim()) { setHits([]); return undefined; }
    let live = true;
    const timer = setTimeout(() => get('/search/accounts', { q: text.trim() })
      .then((found) => live && setHits(found)), PAUSE_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [text]);
  const choose = (hit) => { setText(''); setHits([]); onChoose(hit); };
  return html`<div class="picker">
    <input type="search" name="account-search" value=${text} autofocus=${autofocus}
      placeholder=${t('Account number, name, phone, unit or meter serial')}
      onInput=${(e) => setText(e.target.value)}
      onKeyDown=${(e) => { if (e.key === 'Enter' && hits.length) { e.preventDefault(); choose(hits[0]); } }} />
    ${hits.length > 0 && html`<ul class="picker-hits" role="listbox">
      ${hits.map((hit) => html`<li key=${hit.id} role="option" data-account=${hit.id} onClick=${() => choose(hit)}>
        <b>${hit.number}</b> ${hit.tenant_name} <span class="muted">${hit.phone} · ${hit.unit || ''} · ${hit.serial_numbers.join(', ')}</span></li>`)}
    </ul>`}
  </div>`;
}
