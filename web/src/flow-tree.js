// The sidebar: the account's flows as a tree of their paths; a flow is
// selected by clicking it, folders (path prefixes) fold.
import { h, replace } from './dom.js';

/**
 * The tree of flow paths: nodes `{ name, path, flow?, children }`, children
 * sorted by name. A path that is both a flow and a prefix of others is one
 * node with a flow and children.
 * @param {{ id: string, path: string }[]} flows
 */
export function buildFlowTree(flows) {
  const root = { name: '', path: '', flow: undefined, children: new Map() };
  for (const flow of flows) {
    if (typeof flow.path !== 'string') continue;
    let node = root;
    for (const name of flow.path.split('/').filter(Boolean)) {
      const path = `${node.path}/${name}`;
      if (!node.children.has(name)) node.children.set(name, { name, path, flow: undefined, children: new Map() });
      node = node.children.get(name);
    }
    if (node !== root) node.flow = flow;
  }
  const sort = (node) => ({
    ...node,
    children: [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name)).map(sort),
  });
  return sort(root);
}

export class FlowTree {
  #folded = new Set();
  #flows = [];
  #selected = null;

  /** @param {{ onSelect: (flow: object) => void }} options */
  constructor({ onSelect }) {
    this.onSelect = onSelect;
    this.list = h('ul', { class: 'tree', role: 'tree', 'aria-label': 'Flows' });
    this.el = h('nav', { class: 'flow-tree' }, this.list);
  }

  /** The flows shown. */
  get flows() { return this.#flows; }

  setFlows(flows) {
    this.#flows = [...flows];
    this.#render();
  }

  /** Marks the flow with this path as selected (null: none). */
  select(path) {
    this.#selected = path;
    for (const el of this.list.querySelectorAll('[data-flow-path]')) {
      const on = el.dataset.flowPath === path;
      el.classList.toggle('selected', on);
      el.setAttribute('aria-selected', String(on));
    }
  }

  #render() {
    const tree = buildFlowTree(this.#flows);
    if (!tree.children.length) {
      replace(this.list, h('li', { class: 'tree-empty' }, 'No flows yet: create one.'));
      return;
    }
    replace(this.list, tree.children.map((node) => this.#node(node, 0)));
    this.select(this.#selected);
  }

  #node(node, depth) {
    const folded = this.#folded.has(node.path);
    const hasChildren = node.children.length > 0;
    const toggle = hasChildren
      ? h('button', {
        class: 'tree-toggle', type: 'button', 'aria-label': folded ? `Unfold ${node.path}` : `Fold ${node.path}`,
        'aria-expanded': String(!folded),
        onclick: () => { folded ? this.#folded.delete(node.path) : this.#folded.add(node.path); this.#render(); },
      }, folded ? '▸' : '▾')
      : h('span', { class: 'tree-toggle-space' });
    const label = node.flow
      ? h('button', {
        class: 'tree-flow', type: 'button', title: node.flow.path, dataset: { flowPath: node.flow.path },
        'aria-selected': 'false', role: 'treeitem', onclick: () => this.onSelect(node.flow),
      }, h('span', { class: 'tree-icon flow-icon' }), node.name)
      : h('span', { class: 'tree-folder', title: node.path }, h('span', { class: 'tree-icon folder-icon' }), node.name);
    return h('li', { style: `--depth: ${depth}` },
      h('div', { class: 'tree-row' }, toggle, label),
      hasChildren && !folded && h('ul', { role: 'group' }, node.children.map((child) => this.#node(child, depth + 1))));
  }
}
