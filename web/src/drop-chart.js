// The live chart: one numeric elem of the live query's drops over time,
// drawn with uPlot. The user picks the elem; the choice is remembered per flow.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, replace } from './dom.js';
import { defaultChartElem, formatNumber, formatTime, numericElemNames, numericValue } from './format.js';

const HEIGHT = 240;

/** A tick of the time axis (seconds): the time of day, with milliseconds
 * only when the ticks are less than a second apart. */
function timeLabel(seconds, step) {
  const text = formatTime(seconds * 1000);
  return step < 1 ? text : text.slice(0, -4);
}

export class DropChart {
  #plot = null;
  #drops = [];
  #elem = '';

  /** @param {{ onPick: (elem: string) => void }} options */
  constructor({ onPick }) {
    this.onPick = onPick;
    this.select = h('select', {
      class: 'chart-elem', 'aria-label': 'Elem to chart',
      onchange: () => { this.#elem = this.select.value; this.onPick(this.#elem); this.#draw(); },
    });
    this.stats = h('span', { class: 'chart-stats' });
    this.canvas = h('div', { class: 'chart-canvas', hidden: true });
    this.empty = h('div', { class: 'chart-empty' }, 'No numeric elem to chart yet.');
    this.el = h('div', { class: 'drop-chart' },
      h('div', { class: 'chart-bar' }, h('label', { class: 'inline' }, 'elem ', this.select), this.stats),
      this.canvas, this.empty);
    new ResizeObserver(() => this.#plot?.setSize(this.#size())).observe(this.canvas);
  }

  /** The elem charted. */
  get elem() { return this.#elem; }

  /** Charts these drops (newest first); `preferred` is the elem to pick when
   * the user has not picked one that the drops have. */
  update(drops, preferred) {
    this.#drops = drops;
    const names = numericElemNames(drops);
    if (!names.includes(this.#elem)) this.#elem = names.includes(preferred) ? preferred : defaultChartElem(drops);
    if ([...this.select.options].map((o) => o.value).join('\u0000') !== names.join('\u0000')) {
      replace(this.select, names.map((name) => h('option', { value: name }, name)));
    }
    this.select.value = this.#elem;
    this.select.disabled = names.length === 0;
    this.#draw();
  }

  #size() {
    return { width: Math.max(200, this.canvas.clientWidth), height: HEIGHT };
  }

  #draw() {
    const points = this.#drops
      .map((d) => [d.creationDate / 1000, numericValue(d.elems?.[this.#elem])])
      .filter(([t, v]) => Number.isFinite(t) && v !== undefined)
      .reverse(); // oldest first, as uPlot wants
    const hasData = this.#elem !== '' && points.length > 0;
    this.empty.hidden = hasData;
    this.canvas.hidden = !hasData;
    this.el.dataset.points = String(points.length);
    if (!hasData) {
      this.stats.textContent = '';
      return;
    }
    const values = points.map(([, v]) => v);
    const stat = (name, v) => `${name} ${formatNumber(v)}`;
    this.stats.textContent = [stat('last', values.at(-1)), stat('min', Math.min(...values)), stat('max', Math.max(...values)), `${values.length} points`].join(' · ');
    const data = [points.map(([t]) => t), values];
    if (this.#plot && this.#plot.series[1].label === this.#elem) {
      this.#plot.setData(data);
      return;
    }
    this.#plot?.destroy();
    this.#plot = new uPlot(this.#options(this.#elem), data, this.canvas);
  }

  #options(label) {
    const axis = { stroke: '#8b95a7', grid: { stroke: 'rgba(148, 163, 184, 0.12)', width: 1 }, ticks: { stroke: 'rgba(148, 163, 184, 0.2)', width: 1 } };
    return {
      ...this.#size(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{ ...axis, space: 110, values: (_, ticks, __, ___, step) => ticks.map((t) => timeLabel(t, step)) }, { ...axis, size: 56 }],
      series: [
        {},
        {
          label, stroke: '#38bdf8', width: 2, fill: 'rgba(56, 189, 248, 0.12)', spanGaps: true,
          points: { show: (u) => u.data[0].length <= 60, size: 5, fill: '#38bdf8' },
        },
      ],
    };
  }

  destroy() {
    this.#plot?.destroy();
    this.#plot = null;
  }
}
