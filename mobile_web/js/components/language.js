// zh-CN or en, as in the console.
import { html } from '/console/js/lib.js';

export function LanguageToggle({ value, onChange }) {
  return html`<div class="lang-toggle" role="group" aria-label="Language / 语言">
    <button type="button" class=${value === 'zh-CN' ? 'on' : ''} onClick=${() => onChange('zh-CN')}>中文</button>
    <button type="button" class=${value === 'en' ? 'on' : ''} onClick=${() => onChange('en')}>EN</button>
  </div>`;
}
