// The baseline of the Workers bench: the same two routes as workers/js and
// workers/go, written with plain fetch and JSON.parse and no SDK. It sends
// the requests the SDK sends (same URLs, headers and bodies), checks the
// device the same way (../../workers/common/device.js) and validates the
// same input, but does not parse the filter (it passes the text on) or map
// errors beyond the status.
import { readBody } from '../../workers/common/body.js';
import { deviceIdProblem, deviceKey, verifyDeviceSecret } from '../../workers/common/device.js';

const MAX_BYTES = 64 * 1024;
let key = null; // DEVICE_SECRET's HMAC key, made by the first ingest

export default {
  async fetch(request, env) {
    const base = `${env.FLOWTHINGS_HOST}/v0.1/${env.FLOWTHINGS_ACCOUNT}`;
    const headers = { 'X-Auth-Token': env.FLOWTHINGS_TOKEN, 'X-Auth-Account': env.FLOWTHINGS_ACCOUNT, Accept: 'application/json' };
    const { pathname, searchParams } = new URL(request.url);
    if (pathname.startsWith('/ingest/') && request.method === 'POST') {
      const id = request.headers.get('x-device-id') ?? '';
      key ??= await deviceKey(env.DEVICE_SECRET);
      if (deviceIdProblem(id) || !(await verifyDeviceSecret(key, id, request.headers.get('x-device-secret') ?? ''))) return json(401, { error: 'unauthorized' });
      const body = await readBody(request, MAX_BYTES);
      if (body === null) return json(413, { error: 'tooLarge' });
      let value;
      try { value = JSON.parse(new TextDecoder().decode(body)); } catch { return json(400, { error: 'json' }); }
      const items = Array.isArray(value) ? value : [value];
      for (const elems of items) elems.deviceId = id;
      const path = decodeURIComponent(pathname.slice('/ingest'.length));
      const created = await Promise.all(items.map(async (elems) => {
        const res = await fetch(`${base}/drop`, {
          method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ elems, path }),
        });
        const envelope = await res.json();
        if (!res.ok) throw Object.assign(new Error('platform'), { status: res.status });
        return envelope.body.id;
      })).catch((err) => err);
      if (created instanceof Error) return json(502, { error: 'platform', status: created.status });
      return json(201, { ids: created });
    }
    const latest = /^\/flows(\/.+)\/latest$/.exec(pathname);
    if (latest && request.method === 'GET') {
      const query = new URLSearchParams({ hints: 'false', limit: searchParams.get('limit') ?? '10', path: decodeURIComponent(latest[1]) });
      if (searchParams.get('filter')) query.set('filter', searchParams.get('filter'));
      const res = await fetch(`${base}/drop?${query}`, { headers });
      const envelope = await res.json();
      if (!res.ok) return json(res.status === 404 ? 404 : 502, { error: 'platform' });
      return json(200, { drops: envelope.body });
    }
    return json(404, { error: 'route' });
  },
};

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
