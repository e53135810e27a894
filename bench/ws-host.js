// The WebSocket host of bench/ws.js, run in a worker thread: POST /session,
// REST finds of an empty flow, and a socket that answers every frame with a
// msgId and, on a subscribe (the SDK) or a "go" frame (the plain client),
// pushes the next `burst` drops back to back (typed elems, as v0.1 pushes
// them), encoded ahead of time.
import http from 'node:http';
import { parentPort } from 'node:worker_threads';
import { WebSocketServer } from 'ws';

const envelope = (status, body) => JSON.stringify({ head: { ok: status < 300, status, errors: [], messages: [] }, body });

function pushFrame(i) {
  return JSON.stringify({
    type: 'message', resource: 'f54ad9d8bd4c68117a914ba24',
    value: {
      id: `d${(0x5f3a1c00 + i).toString(16)}0123456789abcdef`, flowId: 'f54ad9d8bd4c68117a914ba24', path: '/alice/bench/fanin',
      creationDate: 1700000000000 + i, lastEditDate: 1700000000000 + i, version: 0, creatorId: 'i54ad6428d4c6b0419a01927f',
      elems: {
        temp: { type: 'float', value: 15 + (i % 200) / 10 }, seq: { type: 'integer', value: i },
        town: { type: 'string', value: ['Brooklyn', 'Queens', 'Bronx'][i % 3] }, ok: { type: 'boolean', value: i % 7 !== 0 },
      },
    },
  });
}

let burst = 0;
let next = 0;
const frames = [];
const frame = (i) => {
  while (frames.length <= i) frames.push(pushFrame(frames.length));
  return frames[i];
};

const server = http.createServer((req, res) => {
  res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
  res.end(req.method === 'POST' ? envelope(201, { id: 's' }) : envelope(200, []));
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const f = JSON.parse(String(data));
    if (f.msgId !== undefined) ws.send(`{"head":{"msgId":${JSON.stringify(f.msgId)},"ok":true,"status":200,"errors":[],"messages":[]},"body":{}}`);
    if (f.type !== 'subscribe' && f.type !== 'go') return;
    const end = next + burst;
    (function pushSome() { // in slices, so that a slow reader does not make the host buffer everything
      const stop = Math.min(end, next + 500);
      for (; next < stop; next++) ws.send(frame(next));
      if (next < end) setImmediate(pushSome);
    })();
  });
});
for (let i = 0; i < 20_000; i++) frame(i); // ahead of the measured rounds
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', (m) => {
  if (m.burst !== undefined) burst = m.burst;
  if (m.sync) parentPort.postMessage('synced');
});
