// The top bar's user menu: one's own password and second factor (the API's /auth routes).
import { html, useEffect, useRef, useState } from '../lib.js';
import { t } from '../i18n.js';
import { PasswordDialog, TotpDialog } from '../screens/own_login.js';

export function UserMenu({ label }) {
  const [open, setOpen] = useState(false);
  const [dialog, setDialog] = useState(null);
  const box = useRef(null);
  useEffect(() => {  // a click anywhere else folds the menu
    if (!open) return undefined;
    const away = (event) => { if (box.current && !box.current.contains(event.target)) setOpen(false); };
    document.addEventListener('click', away);
    return () => document.removeEventListener('click', away);
  }, [open]);
  const choose = (name) => { setOpen(false); setDialog(name); };
  return html`<div class="user-menu" ref=${box}>
    <button class="who" data-role="user-menu" aria-haspopup="menu" aria-expanded=${open} onClick=${() => setOpen(!open)}>
      ${label} ▾</button>
    ${open && html`<ul class="menu" role="menu">
      <li role="none"><button role="menuitem" data-menu="password" onClick=${() => choose('password')}>${t('Change password')}</button></li>
      <li role="none"><button role="menuitem" data-menu="totp" onClick=${() => choose('totp')}>${t('Two-step verification')}</button></li>
    </ul>`}
    ${dialog === 'password' && html`<${PasswordDialog} onClose=${() => setDialog(null)} />`}
    ${dialog === 'totp' && html`<${TotpDialog} onClose=${() => setDialog(null)} />`}
  </div>`;
}
