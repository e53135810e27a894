// The form that posts a drop to the selected flow: one row per elem, a
// name and a value. A value that is JSON (21.5, true, "x", {"a": 1}, [1])
// is sent as that JSON value, anything else as a string; the type the
// platform will store is shown beside it.
import { h, replace } from './dom.js';
import { describeError, formatTime, jsonText, parseElemInput, plainValue } from './format.js';

/** The text of a value in the form: a string as it is when it reads back
 * as that string, anything else (and strings like "21") as JSON. */
export function inputText(value) {
  if (typeof value === 'string' && parseElemInput(value).value === value) return value;
  return jsonText(value);
}

export class PostForm {
  #rows = [];
  #touched = false;

  /** @param {{ post: (elems: Record<string, unknown>) => Promise<{ id: string }> }} options */
  constructor({ post }) {
    this.post = post;
    this.rowsEl = h('div', { class: 'elem-rows' });
    this.result = h('div', { class: 'form-result', role: 'status' });
    this.submit = h('button', { class: 'primary', type: 'submit' }, 'Post drop');
    this.el = h('form', { class: 'post-form', onsubmit: (e) => { e.preventDefault(); this.#send(); } },
      this.rowsEl,
      h('div', { class: 'form-actions' },
        h('button', { class: 'ghost', type: 'button', onclick: () => { this.#touched = true; this.#addRow('', ''); this.#rows.at(-1).name.focus(); } }, '+ elem'),
        this.submit),
      this.result);
    this.reset([]);
  }

  /** Starts again with these elems (name → elem), unless the user has typed. */
  suggest(elems) {
    if (this.#touched) return;
    this.reset(Object.entries(elems ?? {}).map(([name, elem]) => [name, inputText(plainValue(elem))]));
  }

  /** Replaces the rows with [name, valueText] pairs (one empty row for none). */
  reset(pairs) {
    this.#touched = false;
    this.#rows = [];
    replace(this.rowsEl);
    for (const [name, value] of pairs.length ? pairs : [['', '']]) this.#addRow(name, value);
    this.result.textContent = '';
  }

  #addRow(name, value) {
    const row = {
      name: h('input', { class: 'elem-name', type: 'text', value: name, placeholder: 'name', 'aria-label': 'Elem name', spellcheck: 'false' }),
      value: h('input', { class: 'elem-value', type: 'text', value, placeholder: 'value', 'aria-label': 'Elem value', spellcheck: 'false' }),
      type: h('span', { class: 'elem-type' }),
    };
    const typeOf = () => { row.type.textContent = row.value.value.trim() === '' ? '' : parseElemInput(row.value.value).type; };
    for (const input of [row.name, row.value]) input.addEventListener('input', () => { this.#touched = true; typeOf(); });
    typeOf();
    row.el = h('div', { class: 'elem-row' }, row.name, row.value, row.type,
      h('button', {
        class: 'icon', type: 'button', title: 'Remove this elem', 'aria-label': 'Remove this elem',
        onclick: () => { this.#touched = true; this.#rows = this.#rows.filter((r) => r !== row); row.el.remove(); if (!this.#rows.length) this.#addRow('', ''); },
      }, '×'));
    this.#rows.push(row);
    this.rowsEl.append(row.el);
  }

  /** The elems of the rows, or throws a message. */
  #elems() {
    const elems = {};
    for (const row of this.#rows) {
      const name = row.name.value.trim();
      if (!name && !row.value.value.trim()) continue;
      if (!name) throw new Error('every elem needs a name');
      if (Object.hasOwn(elems, name)) throw new Error(`the elem "${name}" is given twice`);
      elems[name] = parseElemInput(row.value.value).value;
    }
    if (!Object.keys(elems).length) throw new Error('give the drop at least one elem');
    return elems;
  }

  async #send() {
    let elems;
    try {
      elems = this.#elems();
    } catch (err) {
      this.#show('error', err.message);
      return;
    }
    this.submit.disabled = true;
    try {
      const drop = await this.post(elems);
      this.#show('ok', `Posted ${drop.id} at ${formatTime(drop.creationDate ?? Date.now())}.`);
    } catch (err) {
      this.#show('error', describeError(err));
    } finally {
      this.submit.disabled = false;
    }
  }

  #show(kind, text) {
    this.result.dataset.kind = kind;
    this.result.textContent = text;
  }
}
