// One connection to the platform: the API (REST) and one WebSocket session
// that every live query of the dashboard shares. It reduces what the SDK
// reports to the state the header shows: connecting, live, reconnecting,
// gap (drops of an interval could not be replayed), error.
import { API, Token } from 'flowthings-wasm';
import { describeError, formatTime } from './format.js';

/** How long the header says "gap" after the SDK reported one. */
const GAP_NOTICE_MS = 15_000;

export class Connection {
  #ws = null;
  #listeners = new Set();
  #gapTimer = null;
  #closing = false;
  /** What the header shows: `{ state, detail }`. */
  status = { state: 'connecting', detail: '' };

  /**
   * @param {{ host: string, wsHost: string, account: string, secure: boolean }} settings
   * @param {string} token the secret: handed to the SDK's Token and kept nowhere else
   */
  constructor(settings, token) {
    this.settings = { ...settings };
    this.api = new API(new Token(settings.account, token), {
      host: settings.host, wsHost: settings.wsHost || settings.host, secure: settings.secure,
    });
  }

  /** The WebSocket connection (after open()). */
  get ws() { return this.#ws; }

  /** Calls fn({ state, detail }) on every change; returns the unsubscriber. */
  onStatus(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #set(state, detail = '') {
    this.status = { state, detail };
    for (const fn of this.#listeners) fn(this.status);
  }

  /** Checks the credentials with one REST call, then opens the WebSocket
   * session. Rejects (state error) when either fails. */
  async open() {
    this.#set('connecting', `to ${this.settings.host}`);
    try {
      await this.api.flow.find({ limit: 1, only: ['path'] });
      this.#ws = await this.api.websocket.connect();
      this.#ws.on('state', (state) => this.#onState(state));
      this.#ws.on('error', (err) => this.#onError(err));
      this.#onState(this.#ws.state);
    } catch (err) {
      this.#set('error', describeError(err));
      throw err;
    }
  }

  #onState(state) {
    if (this.#closing) return;
    switch (state) {
      case 'open':
        if (!this.#gapTimer) this.#set('live', 'drops arrive as they are written');
        break;
      case 'connecting':
        this.#set('connecting', `to ${this.settings.wsHost || this.settings.host}`);
        break;
      case 'reconnecting':
        this.#set('reconnecting', 'the live connection dropped; reconnecting…');
        break;
      case 'closed':
        this.#set('error', 'the live connection ended; reconnect to resume');
        break;
      default:
        break;
    }
  }

  #onError(err) {
    if (this.#closing) return;
    if (err?.code === 'gap') {
      const span = err.to ? ` from ${formatTime(err.from)} to ${formatTime(err.to)}` : ` since ${formatTime(err.from)}`;
      this.#set('gap', `drops created${span} may have been missed; live tables were read again`);
      clearTimeout(this.#gapTimer);
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = null;
        if (this.status.state === 'gap') this.#onState(this.#ws?.state ?? 'open');
      }, GAP_NOTICE_MS);
      return;
    }
    if (this.status.state === 'reconnecting') this.#set('reconnecting', describeError(err));
  }

  /** Closes the WebSocket session for good. */
  async close() {
    this.#closing = true;
    clearTimeout(this.#gapTimer);
    this.#listeners.clear();
    await this.#ws?.close().catch(() => {});
  }
}
