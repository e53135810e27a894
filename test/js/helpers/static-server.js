// A tiny static file server for the browser tests: serves the files under
// root whose URL path starts with one of `prefixes`, with the MIME types a
// browser needs (application/wasm for streaming compilation, text/javascript
// for module scripts), plus any extra `routes` (path → handler). Listens on
// 127.0.0.1 and a free port; records every request.
//
//   const server = await startStaticServer({ root, prefixes: ['/js/', '/dist/'], routes: { '/': (req, res) => … } });
//   server.url('/js/browser.js'); server.requests; await server.close();
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * @param {{ root: string, prefixes?: string[], routes?: Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL) => void | Promise<void>> }} options
 * @returns {Promise<{ origin: string, url: (p: string) => string, requests: { method: string, path: string, status: number, type: string }[], close: () => Promise<void> }>}
 */
export async function startStaticServer({ root, prefixes = [], routes = {} }) {
  root = path.resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const record = (status, type) => requests.push({ method: req.method, path: url.pathname, status, type });
    try {
      const route = routes[url.pathname];
      if (route) {
        await route(req, res, url);
        record(res.statusCode, String(res.getHeader('content-type') ?? ''));
        return;
      }
      const file = path.join(root, decodeURIComponent(url.pathname));
      const allowed = prefixes.some((p) => url.pathname.startsWith(p)) && file.startsWith(root + path.sep) && !url.pathname.includes('..');
      if (req.method !== 'GET' || !allowed) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        record(404, 'text/plain');
        return;
      }
      const body = await readFile(file);
      const type = MIME[path.extname(file)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' }).end(body);
      record(200, type);
    } catch (err) {
      const status = err.code === 'ENOENT' || err.code === 'EISDIR' ? 404 : 500;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(String(err.message));
      record(status, 'text/plain');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (p) => new URL(p, origin).href,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
