// The selected flow: its live query (the table and the chart show it), the
// filter box that re-targets it, the form that posts a drop and the
// aggregation panel.
import { h } from './dom.js';
import { describeError, elemNames, numericElemNames } from './format.js';
import { FilterBox } from './filter-box.js';
import { DropTable } from './drop-table.js';
import { DropChart } from './drop-chart.js';
import { PostForm } from './post-form.js';
import { AggregatePanel } from './aggregate-panel.js';

/** The drops a live query keeps (the table's rows, the chart's points). */
export const LIVE_LIMIT = 200;

function card(title, body, extra) {
  return h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h3', {}, title), extra), body);
}

export class FlowView {
  #query = null;
  #generation = 0;
  #filter = null;
  #destroyed = false;

  /**
   * @param {{ connection: import('./connection.js').Connection, flow: { id: string, path: string, description?: string },
   *   chartElem?: string, onChartElem: (elem: string) => void, onDelete: () => void }} options
   */
  constructor({ connection, flow, chartElem, onChartElem, onDelete }) {
    this.connection = connection;
    this.flow = flow;
    this.chartElem = chartElem;
    const drops = connection.api.drop(flow.id);

    this.filterBox = new FilterBox({ onApply: (filter) => { this.#filter = filter; this.#startQuery(); } });
    this.table = new DropTable();
    this.chart = new DropChart({ onPick: (elem) => { this.chartElem = elem; onChartElem(elem); } });
    this.postForm = new PostForm({ post: (elems) => drops.create({ elems }) });
    this.aggregate = new AggregatePanel({
      run: (output, { groupBy, useFilter }) => drops.aggregate(output, {
        groupBy, filter: useFilter && this.#filter ? this.#filter : undefined,
      }),
    });
    this.liveBadge = h('span', { class: 'live-badge', dataset: { state: 'starting' } }, 'starting');
    this.queryError = h('div', { class: 'banner error', role: 'alert', hidden: true });

    this.el = h('div', { class: 'flow-view', dataset: { flowId: flow.id } },
      h('div', { class: 'flow-head' },
        h('div', { class: 'flow-title' },
          h('h2', {}, flow.path),
          h('div', { class: 'flow-meta' }, h('code', {}, flow.id), flow.description && h('span', {}, flow.description))),
        h('button', { class: 'danger ghost', type: 'button', onclick: onDelete }, 'Delete flow…')),
      this.filterBox.el,
      this.queryError,
      card('Live chart', this.chart.el),
      h('div', { class: 'columns' },
        card('Drops', this.table.el, this.liveBadge),
        card('Post a drop', this.postForm.el)),
      card('Aggregate', this.aggregate.el));
  }

  /** Starts the live query (no filter). */
  start() {
    return this.#startQuery();
  }

  /** Opens a live query for the current filter, closing the previous one.
   * A newer call wins: a query that resolves after it is closed at once. */
  async #startQuery() {
    const generation = ++this.#generation;
    const previous = this.#query;
    this.#query = null;
    this.#setBadge('starting', 'starting');
    await previous?.close();
    try {
      const query = await this.connection.api.drop(this.flow.id).live(this.#filter ?? undefined, {
        limit: LIVE_LIMIT,
        ws: this.connection.ws,
        onChange: (drops, { added }) => { if (generation === this.#generation) this.#show(drops, added); },
        onError: (err) => { if (generation === this.#generation) this.#onQueryError(err); },
        onStateChange: (state) => { if (generation === this.#generation) this.#onQueryState(state); },
      });
      if (generation !== this.#generation || this.#destroyed) {
        await query.close();
        return;
      }
      this.#query = query;
      this.queryError.hidden = true;
      this.#onQueryState(query.state);
      this.#show(query.drops, []);
    } catch (err) {
      if (generation === this.#generation) {
        this.#showError(`The live query could not start: ${describeError(err)}`);
        this.#setBadge('error', 'error');
      }
    }
  }

  /** What the query reports while it runs: a gap (the header shows it; the
   * query finds its drops again by itself), a find that failed and is
   * retried, or the error that ends it (then the state is closed). */
  #onQueryError(err) {
    if (err?.code === 'gap') return;
    this.#showError(`The live query: ${describeError(err)}`);
  }

  #onQueryState(state) {
    if (state === 'live') this.queryError.hidden = true;
    this.#setBadge(state === 'closed' ? 'error' : state, state === 'closed' ? 'ended' : state);
  }

  #show(drops, added) {
    const filtered = this.#filter !== null;
    this.table.update(drops, added, {
      empty: filtered ? 'No drop matches the filter.' : 'No drops yet: post one, or send some from a device.',
      caption: `${drops.length} drop${drops.length === 1 ? '' : 's'}${filtered ? ' matching the filter' : ''}, newest first${drops.length >= LIVE_LIMIT ? ` (the newest ${LIVE_LIMIT})` : ''}`,
    });
    this.chart.update(drops, this.chartElem);
    if (drops.length) this.postForm.suggest(drops[0].elems);
    this.aggregate.suggest(elemNames(drops), numericElemNames(drops));
  }

  #showError(message) {
    this.queryError.textContent = message;
    this.queryError.hidden = false;
  }

  #setBadge(state, text) {
    this.liveBadge.dataset.state = state;
    this.liveBadge.textContent = text;
  }

  /** Closes the live query. */
  async destroy() {
    this.#destroyed = true;
    this.#generation++;
    this.chart.destroy();
    await this.#query?.close();
  }
}
