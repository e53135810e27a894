// The aggregation panel: outputs ($count, $avg:elems.temp, …) and groupBy
// members, optionally with the filter of the live table, run on the
// platform; the rows are shown as a table.
import { h, replace, field } from './dom.js';
import { describeError, formatElem } from './format.js';

const SELECTORS = ['$count', '$sum', '$avg', '$min', '$max', '$unique', '$all'];

/** Comma-separated text as a list of trimmed, non-empty items. */
export function splitList(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

export class AggregatePanel {
  /** @param {{ run: (output: string[], options: { groupBy: string[], useFilter: boolean }) => Promise<object[]> }} options */
  constructor({ run }) {
    this.run = run;
    this.suggestions = h('datalist', { id: 'aggregate-suggestions' });
    this.output = h('input', { class: 'agg-output', type: 'text', value: '$count', list: 'aggregate-suggestions', spellcheck: 'false', 'aria-label': 'Outputs' });
    this.groupBy = h('input', { class: 'agg-group', type: 'text', value: '', placeholder: 'e.g. elems.town', spellcheck: 'false', 'aria-label': 'Group by' });
    this.useFilter = h('input', { type: 'checkbox', checked: true });
    this.button = h('button', { class: 'primary', type: 'submit' }, 'Aggregate');
    this.result = h('div', { class: 'agg-result' });
    this.el = h('form', { class: 'aggregate', onsubmit: (e) => { e.preventDefault(); this.#run(); } },
      h('div', { class: 'agg-fields' },
        field('outputs', this.output, 'comma-separated: $count, $avg:elems.temp, $max:elems.temp …'),
        field('group by', this.groupBy, 'comma-separated members, or none'),
        h('label', { class: 'check' }, this.useFilter, ' only drops matching the filter'),
        this.button),
      this.suggestions, this.result);
  }

  /** Offers outputs and groupBy members for these elem names. */
  suggest(elemNames, numericNames) {
    replace(this.suggestions,
      h('option', { value: '$count' }),
      numericNames.flatMap((name) => SELECTORS.slice(1, 5).map((sel) => h('option', { value: `${sel}:elems.${name}` }))));
    if (this.output.value === '$count' && numericNames.length) {
      const first = numericNames[0];
      this.output.value = `$count, $avg:elems.${first}, $min:elems.${first}, $max:elems.${first}`;
    }
    const text = elemNames.find((name) => !numericNames.includes(name));
    this.groupBy.placeholder = text ? `e.g. elems.${text}` : 'e.g. elems.town';
  }

  async #run() {
    const output = splitList(this.output.value);
    if (!output.length) {
      replace(this.result, h('p', { class: 'error-text' }, 'Give at least one output, e.g. $count.'));
      return;
    }
    this.button.disabled = true;
    this.result.dataset.state = 'running';
    try {
      const groupBy = splitList(this.groupBy.value);
      const rows = await this.run(output, { groupBy, useFilter: this.useFilter.checked });
      this.#show(rows, groupBy, output);
      this.result.dataset.state = 'done';
    } catch (err) {
      replace(this.result, h('p', { class: 'error-text', role: 'alert' }, describeError(err)));
      this.result.dataset.state = 'error';
    } finally {
      this.button.disabled = false;
    }
  }

  #show(rows, groupBy, output) {
    if (!rows.length) {
      replace(this.result, h('p', { class: 'muted' }, 'No drops to aggregate.'));
      return;
    }
    const keys = [...groupBy, ...output];
    for (const row of rows) for (const key of Object.keys(row)) if (!keys.includes(key)) keys.push(key);
    replace(this.result, h('div', { class: 'table-scroll' }, h('table', { class: 'data agg-table' },
      h('thead', {}, h('tr', {}, keys.map((k) => h('th', { scope: 'col', class: groupBy.includes(k) ? 'col-group' : '' }, k)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, keys.map((k) => {
        if (!Object.hasOwn(row, k)) return h('td', { class: 'cell-empty' }, '—');
        const { text, kind } = formatElem(row[k]);
        return h('td', { class: `cell-${kind}` }, text);
      })))))));
  }
}
