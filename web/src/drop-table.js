// The live table: the drops of a live query, newest first, one column per
// elem (the most common first), typed elems shown readably. Rows are kept
// by drop id, so an update touches only what changed; new drops flash.
import { h, replace } from './dom.js';
import { elemNames, formatDateTime, formatElem, formatTime, numericElemNames } from './format.js';

const MAX_ELEM_COLUMNS = 12;

/** Makes rows the children of body, in order, moving as few as it can: a
 * row that stays where it was is not touched (re-inserting a row would
 * restart its animation). */
function place(body, rows) {
  let at = body.firstChild;
  for (const row of rows) {
    if (row === at) at = at.nextSibling;
    else body.insertBefore(row, at);
  }
  while (at) {
    const next = at.nextSibling;
    at.remove();
    at = next;
  }
}

export class DropTable {
  #columns = [];
  #columnsKey = null;
  #rows = new Map(); // drop id → { tr, drop }

  constructor() {
    this.head = h('tr');
    this.body = h('tbody');
    this.caption = h('div', { class: 'table-caption', role: 'status' });
    this.el = h('div', { class: 'drop-table' },
      h('div', { class: 'table-scroll' }, h('table', { class: 'data', 'aria-label': 'Drops, newest first' }, h('thead', {}, this.head), this.body)),
      this.caption);
    this.update([], [], { empty: 'Waiting for the live query…' });
  }

  /**
   * Shows drops (newest first). `added` are the drops new since the last
   * update (they flash); `empty` is the text shown when there are none.
   */
  update(drops, added = [], { empty = 'No drops yet.', caption = '' } = {}) {
    const columns = elemNames(drops).slice(0, MAX_ELEM_COLUMNS);
    const numeric = new Set(numericElemNames(drops));
    const key = columns.map((name) => `${name}${numeric.has(name) ? '#' : ''}`).join('\u0000');
    if (key !== this.#columnsKey) {
      this.#columnsKey = key;
      this.#columns = columns;
      this.#rows.clear();
      replace(this.head,
        h('th', { class: 'col-time', scope: 'col' }, 'time'),
        columns.map((name) => h('th', { scope: 'col', title: `elems.${name}`, class: numeric.has(name) ? 'num' : undefined }, name)),
        h('th', { class: 'col-id', scope: 'col' }, 'id'));
    }
    const fresh = new Set(added.map((d) => d.id));
    const keep = new Map();
    const trs = drops.map((drop) => {
      const known = this.#rows.get(drop.id);
      const row = known && known.drop === drop ? known : { tr: this.#row(drop), drop };
      if (fresh.has(drop.id)) {
        row.tr.classList.remove('fresh');
        void row.tr.offsetWidth; // restart the animation
        row.tr.classList.add('fresh');
      }
      keep.set(drop.id, row);
      return row.tr;
    });
    this.#rows = keep;
    if (trs.length) place(this.body, trs);
    else replace(this.body, h('tr', { class: 'empty' }, h('td', { colspan: this.#columns.length + 2 }, empty)));
    this.caption.textContent = caption;
  }

  #row(drop) {
    const created = drop.creationDate;
    return h('tr', { dataset: { dropId: drop.id }, onanimationend: (e) => e.currentTarget.classList.remove('fresh') },
      h('td', { class: 'col-time', title: created === undefined ? '' : formatDateTime(created) }, created === undefined ? '—' : formatTime(created)),
      this.#columns.map((name) => {
        if (!Object.hasOwn(drop.elems ?? {}, name)) return h('td', { class: 'cell-empty' }, '');
        const { text, type, kind, href } = formatElem(drop.elems[name]);
        return h('td', { class: `cell-${kind}`, title: `${name}: ${type}` },
          href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text) : text);
      }),
      h('td', { class: 'col-id', title: drop.id }, drop.id?.slice(-8) ?? ''));
  }
}
