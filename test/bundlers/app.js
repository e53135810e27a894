// The test app every bundler builds (test/js/bundlers.test.js): it loads
// flowthings-wasm with init(options), makes a call through a transport
// and leaves what happened in window.result.
import { init, API, Token, mem } from 'flowthings-wasm';

export function run(options) {
  window.result = (async () => {
    try {
      await init(options);
      const urls = [];
      const api = new API(new Token('acc', 'secret'), {
        host: 'api.test',
        transport: async (req) => {
          urls.push(req.url);
          return { status: 200, headers: {}, body: JSON.stringify({ head: { ok: true, status: 200 }, body: [{ id: 'd1' }] }) };
        },
      });
      const drops = await api.drop('f1').find(mem.elems.temp.gt(30));
      return { ok: true, filter: String(mem.elems.temp.gt(30)), drops, url: urls[0] };
    } catch (err) {
      return { ok: false, name: err.name, code: err.code, message: err.message };
    }
  })();
}
