// The filter box: platform filter text, validated with parseFilter as it is
// typed. An error shows its message and a caret under the text at the
// error's position; a valid filter is applied (after a short pause, or at
// once on Enter) to whatever listens.
import { parseFilter } from 'flowthings-wasm';
import { h } from './dom.js';

const APPLY_AFTER_MS = 350;

/** The message of a parseFilter error without its prefix and position. */
function filterProblem(err) {
  const message = String(err?.message ?? err).replace(/^flowthings: /, '').replace(/^invalid filter: /, '');
  return message.replace(/^at position \d+: /, '');
}

export class FilterBox {
  #timer = null;
  #applied = '';
  #measure;

  /** @param {{ onApply: (filter: import('flowthings-wasm').Filter | null, text: string) => void, placeholder?: string }} options */
  constructor({ onApply, placeholder = "elems.temp > 20 && elems.town == 'Queens'" }) {
    this.onApply = onApply;
    this.input = h('input', {
      class: 'filter-input', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder,
      'aria-label': 'Filter', 'aria-describedby': 'filter-message',
      oninput: () => this.#validate(false),
      onkeydown: (e) => { if (e.key === 'Enter') this.#validate(true); },
      onscroll: () => this.#placeCaret(),
    });
    this.caret = h('span', { class: 'filter-caret', hidden: true, 'aria-hidden': 'true' }, '^');
    this.message = h('div', { class: 'filter-message', id: 'filter-message', role: 'status' });
    this.#measure = h('span', { class: 'filter-measure', 'aria-hidden': 'true' });
    this.el = h('div', { class: 'filter-box' },
      h('span', { class: 'filter-label' }, 'filter'),
      h('div', { class: 'filter-input-wrap' }, this.input, h('div', { class: 'filter-caret-line' }, this.caret), this.#measure, this.message));
    new ResizeObserver(() => this.#placeCaret()).observe(this.input);
    this.#showValid(null);
  }

  /** The text of the filter applied last ('' for none). */
  get applied() { return this.#applied; }

  /** Sets the text (without applying it). */
  set(text) {
    this.input.value = text;
    this.#applied = text.trim();
    this.#validate(false, { apply: false });
  }

  #validate(now, { apply = true } = {}) {
    clearTimeout(this.#timer);
    const text = this.input.value;
    let filter = null;
    if (text.trim() !== '') {
      try {
        filter = parseFilter(text);
      } catch (err) {
        this.#showError(err);
        return;
      }
    }
    this.#showValid(filter);
    if (!apply || text.trim() === this.#applied) return;
    const run = () => { this.#applied = text.trim(); this.onApply(filter, this.#applied); };
    if (now) run();
    else this.#timer = setTimeout(run, APPLY_AFTER_MS);
  }

  #showError(err) {
    const position = Number.isInteger(err?.position) ? Math.min(err.position, this.input.value.length) : null;
    this.el.dataset.state = 'invalid';
    this.input.setAttribute('aria-invalid', 'true');
    this.message.textContent = position === null ? filterProblem(err) : `${filterProblem(err)} (column ${position + 1})`;
    this.caret.hidden = position === null;
    if (position !== null) this.caret.dataset.position = String(position);
    else delete this.caret.dataset.position;
    this.#placeCaret();
  }

  #showValid(filter) {
    this.el.dataset.state = filter ? 'valid' : 'empty';
    this.input.removeAttribute('aria-invalid');
    this.caret.hidden = true;
    delete this.caret.dataset.position;
    this.message.textContent = filter ? `✓ ${String(filter)}` : 'All drops (no filter).';
  }

  /** Puts the caret under the character at its position: the width of the
   * text before it, measured in the input's own font, minus the scroll. */
  #placeCaret() {
    if (this.caret.hidden) return;
    const position = Number(this.caret.dataset.position);
    const style = getComputedStyle(this.input);
    this.#measure.style.font = style.font;
    this.#measure.style.letterSpacing = style.letterSpacing;
    const text = this.input.value;
    const width = (s) => { this.#measure.textContent = s; return this.#measure.getBoundingClientRect().width; };
    const before = width(text.slice(0, position));
    // The character at the position (a space past the end), whole even when it is a surrogate pair.
    const at = String.fromCodePoint(text.codePointAt(position) ?? 0x20);
    const middle = before + width(at) / 2;
    const x = parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth) + middle - this.input.scrollLeft;
    this.caret.style.left = `${Math.max(0, x)}px`;
  }
}
