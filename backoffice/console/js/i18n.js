// One catalogue shared with the API: English msgids, Chinese from the back office's .po file.
const STORE = 'wattkeeper.language';
export const LANGUAGES = ['zh-CN', 'en'];
let current = LANGUAGES.includes(localStorage.getItem(STORE)) ? localStorage.getItem(STORE) : 'zh-CN';
let catalogue = {};
// Words asked for in Chinese that the catalogue lacks; the browser tests read this.
export const missing = new Set();
window.__wattkeeperMissing = missing;

export async function loadCatalogue() {
  if (current === 'en') {
    catalogue = {};
  } else {
    const response = await fetch(`./messages/${current}.json`, { credentials: 'same-origin' });
    catalogue = await response.json();
  }
  document.documentElement.lang = current;
}

export function language() {
  return current;
}

export async function setLanguage(next) {
  localStorage.setItem(STORE, next);
  current = next;
  await loadCatalogue();
}

// The text of an English msgid in the current language, {placeholders} filled from params.
export function t(key, params) {
  let text = catalogue[key];
  if (text === undefined) {
    if (current !== 'en') missing.add(key);
    text = key;
  }
  return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? params[name] : whole)) : text;
}
