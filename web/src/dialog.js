// A modal confirmation: resolves true when the user confirms.
import { h } from './dom.js';

/** @param {{ title: string, message: string, confirm: string }} text */
export function confirmDialog({ title, message, confirm }) {
  return new Promise((resolve) => {
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    const dialog = h('dialog', { class: 'confirm', 'aria-label': title, oncancel: (e) => { e.preventDefault(); done(false); } },
      h('h2', {}, title),
      h('p', {}, message),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'ghost', onclick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', onclick: () => done(true) }, confirm)));
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('button.ghost').focus(); // the safe choice is the default
  });
}
