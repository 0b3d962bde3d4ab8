// Every list exports to Excel through the API's /export sibling, with the list's filters.
import { html, useState } from '../lib.js';
import { download } from '../api.js';
import { t } from '../i18n.js';

export function ExportButton({ path, query }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const click = async () => {
    setBusy(true);
    setError(null);
    try {
      await download(path, query);
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<button class="btn" data-role="export" disabled=${busy} onClick=${click}>
      ${busy ? t('Exporting…') : t('Export')}</button>
    ${error && html`<span class="error-text">${error}</span>`}`;
}
