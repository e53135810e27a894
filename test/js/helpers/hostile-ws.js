// A hostile WebSocket host on 127.0.0.1, for the reliability tests: it
// answers POST /session, and then, by its mode:
//
//   noUpgrade    never answers the WebSocket upgrade (the socket hangs)
//   close1011    accepts the upgrade and closes at once with 1011
//   closeReason  accepts and closes with a reason that quotes `reason`
//   silent       accepts, then never sends anything, replies included
//   huge         answers subscribes, then pushes a drop of `hugeBytes`
//   normal       answers every frame with a msgId (an empty success)
//
// REST finds of backfill (GET …/drop/…) are answered with an empty flow.
//
//   const host = await hostileWS({ mode: 'close1011' });
//   host.sessions   // POST /session requests so far
//   host.upgrades   // upgrade requests so far
//   await host.close();
import http from 'node:http';
import { WebSocketServer } from 'ws';

const envelope = (status, body) => JSON.stringify({ head: { ok: status < 300, status, errors: [], messages: [] }, body });

export async function hostileWS({ mode = 'normal', reason = '', hugeBytes = 20 << 20 } = {}) {
  const state = { sessions: 0, upgrades: 0, frames: [] };
  const held = new Set(); // sockets of upgrades never answered
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/session') {
      state.sessions++;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(envelope(201, { id: `s-${state.sessions}` }));
      return;
    }
    if (req.method === 'GET' && /\/drop\//.test(req.url)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(envelope(200, []));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(envelope(404, {}));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    state.upgrades++;
    if (mode === 'noUpgrade') {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
      socket.on('error', () => {});
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  function serve(ws) {
    ws.on('error', () => {});
    if (mode === 'close1011') return ws.close(1011, 'overloaded');
    if (mode === 'closeReason') return ws.close(4000, `rejected ${reason}`.slice(0, 120));
    ws.on('message', (data) => {
      const text = String(data);
      state.frames.push(text);
      if (mode === 'silent') return;
      let frame;
      try { frame = JSON.parse(text); } catch { return; }
      if (frame.msgId === undefined) return;
      ws.send(JSON.stringify({ head: { msgId: frame.msgId, ok: true, status: 200, errors: [], messages: [] }, body: frame.type === 'findmany' ? [] : {} }));
      if (mode === 'huge' && frame.type === 'subscribe') {
        const value = { id: 'dhuge', flowId: frame.flowId, path: '/acct/huge', creationDate: Date.now(), elems: { blob: 'x'.repeat(hugeBytes) } };
        ws.send(JSON.stringify({ type: 'message', resource: frame.flowId, value }));
      }
    });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    host: `127.0.0.1:${port}`,
    get sessions() { return state.sessions; },
    get upgrades() { return state.upgrades; },
    frames: state.frames,
    async close() {
      for (const s of held) s.destroy();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
