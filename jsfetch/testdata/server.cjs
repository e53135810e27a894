// The local server of jsfetch's tests (run under go_js_wasm_exec, which
// gives the Go test Node's require): HTTP routes for the Transport and a
// WebSocket endpoint for the Dialer, on 127.0.0.1 and a free port.
'use strict';
const http = require('node:http');
const path = require('node:path');
const { WebSocketServer, WebSocket } = require(path.join(__dirname, '..', '..', 'node_modules', 'ws'));

function start() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      switch (url.pathname) {
        case '/echo':
          res.writeHead(Number(url.searchParams.get('status') ?? 200), { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body }));
          return;
        case '/redirect':
          res.writeHead(302, { location: '/echo?bait=1' });
          res.end('moved');
          return;
        case '/big': {
          const n = Number(url.searchParams.get('n'));
          const chunked = url.searchParams.has('chunked');
          res.writeHead(200, chunked ? {} : { 'content-length': String(n) });
          res.end(Buffer.alloc(n, 'x'));
          return;
        }
        case '/slow':
          setTimeout(() => { res.writeHead(200); res.end('late'); }, 10_000).unref();
          return;
        default:
          res.writeHead(404);
          res.end('no such route');
      }
    });
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      const text = data.toString('utf8');
      if (text === 'close-me') ws.close(4000, 'asked to');
      else if (text.startsWith('big:')) ws.send('y'.repeat(Number(text.slice(4))));
      else if (text === 'binary') ws.send(Buffer.from('bin'), { binary: true });
      else ws.send(isBinary ? data : text);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const base = `127.0.0.1:${server.address().port}`;
      resolve({
        base,
        WebSocket,
        close() {
          for (const c of wss.clients) c.terminate();
          wss.close();
          server.closeAllConnections();
          server.close();
        },
      });
    });
  });
}

module.exports = { start };
