// A fake WebSocket constructor for the `WebSocket` option of new API: it
// records the frames the package sends and lets a test open and close the
// socket and push frames, as a server would.

/** fakeWebSocket() returns a fresh class; its `sockets` lists the instances in creation order. */
export function fakeWebSocket() {
  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;
    static sockets = [];
    /** The newest socket. */
    static get last() { return FakeWebSocket.sockets.at(-1); }

    constructor(url) {
      this.url = url;
      this.readyState = FakeWebSocket.CONNECTING;
      this.sent = []; // the text frames the package sent, in order
      this.closedByClient = null; // the code of the package's close(), once called
      this.onopen = null;
      this.onmessage = null;
      this.onerror = null;
      this.onclose = null;
      FakeWebSocket.sockets.push(this);
    }

    // --- the WebSocket interface the package uses
    send(frame) {
      if (this.readyState !== FakeWebSocket.OPEN) throw new Error(`FakeWebSocket: send while readyState ${this.readyState}`);
      this.sent.push(frame);
    }
    close(code = 1000, reason = '') {
      if (this.readyState >= FakeWebSocket.CLOSING) return;
      this.closedByClient = code;
      this.readyState = FakeWebSocket.CLOSING;
      // As a real socket: the close event follows asynchronously.
      setTimeout(() => this.#fireClose(code, reason), 0);
    }

    // --- the server's side, driven by the test
    /** The socket opens. */
    open() {
      this.readyState = FakeWebSocket.OPEN;
      this.onopen?.({ type: 'open' });
    }
    /** The server pushes a frame: an object (sent as JSON) or text. */
    push(frame) {
      this.onmessage?.({ type: 'message', data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
    }
    /** The connection drops (or the server closes it with code). */
    drop(code = 1006, reason = '') {
      this.onerror?.({ type: 'error', message: 'connection reset' });
      this.#fireClose(code, reason);
    }
    /** The parsed frames sent, in order. */
    get frames() { return this.sent.map((f) => JSON.parse(f)); }
    /** The last parsed frame sent. */
    get lastFrame() { return this.frames.at(-1); }
    /** Answers the frame with msgId: a success reply with body, or an error. */
    reply(msgId, body = {}, { status = 200, ok = status < 300, errors = [] } = {}) {
      this.push({ head: { msgId, status, ok, errors }, body: ok ? body : null });
    }
    /** Answers the last frame sent. */
    replyLast(body, opts) { this.reply(this.lastFrame.msgId, body, opts); }

    #fireClose(code, reason) {
      if (this.readyState === FakeWebSocket.CLOSED) return;
      this.readyState = FakeWebSocket.CLOSED;
      this.onclose?.({ type: 'close', code, reason, wasClean: code === 1000 });
    }
  }
  return FakeWebSocket;
}
