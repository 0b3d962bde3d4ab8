// Hash routes (#/monitor?site=1): the server serves one page, the hash picks the screen.
import { useEffect, useState } from './lib.js';

export function parseHash(hash = window.location.hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(search)) };
}

export function navigate(path, query) {
  const search = query ? new URLSearchParams(query).toString() : '';
  window.location.hash = search ? `${path}?${search}` : path;
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const changed = () => setRoute(parseHash());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
