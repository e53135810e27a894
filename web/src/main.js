// The flowthings dashboard: connect to a platform (or the local emulator),
// browse the account's flows and watch one live.
import { init } from 'flowthings-wasm';
import './style.css';
import { h, replace, field } from './dom.js';
import { describeError } from './format.js';
import { loadSettings, saveSettings } from './settings.js';
import { Connection } from './connection.js';
import { FlowTree } from './flow-tree.js';
import { FlowView } from './flow-view.js';
import { confirmDialog } from './dialog.js';

const STATE_LABELS = {
  idle: 'not connected', connecting: 'connecting', live: 'live', reconnecting: 'reconnecting', gap: 'gap', error: 'error',
};
const TOAST_MS = 8000;

const settings = loadSettings(globalThis.localStorage);
let connection = null;
let flowTree = null;
let flowView = null;

// ───────────── the page's frame: header with the connection state, main, toasts

const statusDot = h('span', { class: 'status-dot' });
const statusLabel = h('span', { class: 'status-label' });
const statusDetail = h('span', { class: 'status-detail' });
const status = h('div', { class: 'status', id: 'connection-status', role: 'status', 'aria-live': 'polite' }, statusDot, statusLabel, statusDetail);
const session = h('div', { class: 'session' });
const main = h('main', { id: 'main' });
const toasts = h('div', { class: 'toasts', 'aria-live': 'assertive' });

function showStatus({ state, detail }) {
  status.dataset.state = state;
  statusLabel.textContent = STATE_LABELS[state] ?? state;
  statusDetail.textContent = detail ? `· ${detail}` : '';
  status.title = detail;
}

/** Shows an error as a message that goes away by itself (or on click). */
function toast(message) {
  const el = h('div', { class: 'toast', role: 'alert', onclick: () => el.remove() }, message);
  toasts.append(el);
  setTimeout(() => el.remove(), TOAST_MS);
}

// Nothing thrown anywhere becomes a blank page or a console line: it is shown.
window.addEventListener('error', (e) => toast(describeError(e.error ?? e.message)));
window.addEventListener('unhandledrejection', (e) => { e.preventDefault(); toast(describeError(e.reason)); });

replace(document.getElementById('app'),
  h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }), 'flowthings', h('span', { class: 'brand-sub' }, 'live dashboard')),
    status, session),
  main, toasts);
showStatus({ state: 'idle', detail: 'loading the SDK…' });

// ───────────── the connect screen

function defaultConnection() {
  const served = location.protocol === 'http:' || location.protocol === 'https:';
  return {
    host: served ? location.host : '127.0.0.1:4000', // the local emulator; the hosted platform is defunct
    wsHost: '',
    account: '',
    secure: served ? location.protocol === 'https:' : true,
    ...settings.connection,
  };
}

function showConnectScreen(message = '') {
  const saved = defaultConnection();
  const host = h('input', { name: 'host', type: 'text', value: saved.host, required: true, spellcheck: 'false', autocomplete: 'off' });
  const account = h('input', { name: 'account', type: 'text', value: saved.account, required: true, placeholder: 'e.g. dev', spellcheck: 'false', autocomplete: 'username' });
  // The token is read once, handed to the SDK, and cleared from the field.
  const token = h('input', { name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false' });
  const wsHost = h('input', { name: 'wsHost', type: 'text', value: saved.wsHost, placeholder: 'same as the host', spellcheck: 'false', autocomplete: 'off' });
  const secure = h('input', { name: 'secure', type: 'checkbox', checked: saved.secure });
  const error = h('div', { class: 'banner error', role: 'alert', hidden: !message }, message);
  const button = h('button', { class: 'primary wide', type: 'submit' }, 'Connect');

  const form = h('form', {
    class: 'connect-card card',
    onsubmit: async (e) => {
      e.preventDefault();
      const chosen = { host: host.value.trim(), wsHost: wsHost.value.trim(), account: account.value.trim(), secure: secure.checked };
      const secret = token.value;
      button.disabled = true;
      error.hidden = true;
      try {
        await connect(chosen, secret);
        token.value = '';
      } catch (err) {
        error.textContent = `Could not connect: ${describeError(err)}`;
        error.hidden = false;
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h1', {}, 'Connect to flowthings'),
  h('p', { class: 'muted' }, 'The token stays in this tab’s memory: it is never saved, shown or put in a URL. Host, account and options are remembered.'),
  field('host', host, 'REST host and port, e.g. 127.0.0.1:4000 (the local emulator)'),
  field('account', account),
  field('token', token),
  h('details', { class: 'advanced' },
    h('summary', {}, 'advanced'),
    field('WebSocket host', wsHost, 'empty: the REST host'),
    h('label', { class: 'check' }, secure, ' secure (https and wss)')),
  error,
  button);
  replace(main, h('div', { class: 'connect-screen' }, form));
  replace(session);
  (account.value ? token : account).focus();
}

async function connect(chosen, secret) {
  const next = new Connection(chosen, secret);
  next.onStatus(showStatus);
  try {
    await next.open();
  } catch (err) {
    await next.close();
    throw err;
  }
  connection = next;
  settings.connection = chosen;
  saveSettings(globalThis.localStorage, settings);
  connection.onStatus(({ state }) => { if (state === 'error') toast('The live connection ended. Reconnect to resume.'); });
  await showDashboard();
}

async function disconnect() {
  await flowView?.destroy();
  flowView = null;
  await connection?.close();
  connection = null;
  showStatus({ state: 'idle', detail: '' });
  showConnectScreen();
}

// ───────────── the dashboard: the flows and the selected one

const content = h('section', { class: 'content' });

async function showDashboard() {
  flowTree = new FlowTree({ onSelect: (flow) => { location.hash = flow.path; } });
  const newFlow = newFlowForm();
  replace(session,
    h('span', { class: 'session-who' }, `${connection.settings.account} @ ${connection.settings.host}`),
    h('button', { class: 'ghost small', type: 'button', onclick: disconnect }, 'Disconnect'));
  replace(main, h('div', { class: 'dashboard' },
    h('aside', { class: 'sidebar' },
      h('div', { class: 'sidebar-head' },
        h('h2', {}, 'Flows'),
        h('button', { class: 'icon', type: 'button', title: 'Reload the flows', 'aria-label': 'Reload the flows', onclick: () => refreshFlows() }, '⟳'),
        h('button', { class: 'small', type: 'button', onclick: () => newFlow.open() }, '+ New')),
      newFlow.el,
      flowTree.el),
    content));
  showPlaceholder();
  await refreshFlows();
  await selectFromHash();
}

function showPlaceholder() {
  replace(content, h('div', { class: 'placeholder' },
    h('h2', {}, 'Pick a flow'),
    h('p', { class: 'muted' }, 'Choose a flow on the left to watch its drops live, or create one.')));
}

async function refreshFlows() {
  try {
    const flows = await connection.api.flow.find({ limit: 1000, only: ['path', 'description'] });
    flowTree.setFlows(flows);
  } catch (err) {
    toast(`Could not list the flows: ${describeError(err)}`);
  }
}

function newFlowForm() {
  const path = h('input', { type: 'text', name: 'path', spellcheck: 'false', autocomplete: 'off', 'aria-label': 'Path of the new flow' });
  const description = h('input', { type: 'text', name: 'description', placeholder: 'description (optional)', 'aria-label': 'Description' });
  const error = h('div', { class: 'error-text', role: 'alert' });
  const el = h('form', {
    class: 'new-flow', hidden: true,
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        const flow = await connection.api.flow.create({ path: path.value.trim(), ...(description.value.trim() ? { description: description.value.trim() } : {}) });
        el.hidden = true;
        await refreshFlows();
        location.hash = flow.path;
      } catch (err) {
        error.textContent = describeError(err);
      }
    },
  },
  path, description,
  h('div', { class: 'form-actions' },
    h('button', { class: 'ghost small', type: 'button', onclick: () => { el.hidden = true; } }, 'Cancel'),
    h('button', { class: 'primary small', type: 'submit' }, 'Create flow')),
  error);
  return {
    el,
    open() {
      el.hidden = false;
      error.textContent = '';
      description.value = '';
      path.value = `/${connection.settings.account}/`;
      path.focus();
    },
  };
}

/** Opens the flow whose path is the URL's fragment (#/dev/sensors). */
async function selectFromHash() {
  if (!connection) return;
  const path = decodeURIComponent(location.hash.slice(1));
  if (flowView?.flow.path === path) return;
  await flowView?.destroy();
  flowView = null;
  flowTree.select(path || null);
  if (!path) {
    showPlaceholder();
    return;
  }
  const flow = flowTree.flows.find((f) => f.path === path);
  if (!flow) {
    replace(content, h('div', { class: 'placeholder' }, h('h2', {}, 'No such flow'), h('p', { class: 'muted' }, `This account has no flow ${path}.`)));
    return;
  }
  flowView = new FlowView({
    connection, flow,
    chartElem: settings.chartElem[flow.path],
    onChartElem: (elem) => { settings.chartElem[flow.path] = elem; saveSettings(globalThis.localStorage, settings); },
    onDelete: () => deleteFlow(flow),
  });
  replace(content, flowView.el);
  await flowView.start();
}

async function deleteFlow(flow) {
  const sure = await confirmDialog({
    title: `Delete ${flow.path}?`,
    message: 'The flow and all its drops are deleted. This cannot be undone.',
    confirm: 'Delete flow',
  });
  if (!sure) return;
  try {
    await connection.api.flow.delete(flow.id);
    history.replaceState(null, '', location.pathname + location.search);
    await refreshFlows();
    await selectFromHash();
  } catch (err) {
    toast(`Could not delete ${flow.path}: ${describeError(err)}`);
  }
}

window.addEventListener('hashchange', () => { selectFromHash().catch((err) => toast(describeError(err))); });
// Flows made elsewhere show up when the user comes back to the tab.
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible' && connection) refreshFlows(); });

// ───────────── start: load the SDK's wasm module, then ask where to connect

try {
  await init();
  showStatus({ state: 'idle', detail: '' });
  showConnectScreen();
} catch (err) {
  showStatus({ state: 'error', detail: 'the SDK did not load' });
  replace(main, h('div', { class: 'placeholder' },
    h('h2', {}, 'The dashboard could not start'),
    h('p', {}, `Loading the flowthings SDK failed: ${describeError(err)}`),
    h('p', { class: 'muted' }, 'Reload the page; if this persists, check that the server serves .wasm files.')));
}
