// Load something from the API for a screen: the data, the loading state, the offline state.
import { html, useEffect, useState } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { get } from '/console/js/api.js';
import { Offline, isOffline } from './offline.js';

// No path: nothing is asked (the screen is about to leave, say).
export function useApi(path, query) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    get(path, query).then((data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }));
    return () => { live = false; };
  }, [path, JSON.stringify(query || {}), tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

// What a screen shows until its data is there.
export function Waiting({ state }) {
  if (state.error) {
    return isOffline(state.error) ? html`<${Offline} onRetry=${state.reload} />`
      : html`<div class="form-error" role="alert">${state.error.message}</div>`;
  }
  return html`<div class="loading">${t('Loading…')}</div>`;
}
