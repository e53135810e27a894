// The platform's services as the API offers them, listed once: js/api.js
// builds them, js/batch.js mirrors them for async() and lazy(), and the
// type declarations are generated from them. No imports: any module may
// depend on this one without a cycle.

/** One entry per service of `new API()` but `drop` (addressed by flow) and
 * `statistics`: `property` of the API, `service` as in the URL
 * (docs/protocol.md §3.1), and whether its objects can be updated (tokens
 * and shares cannot). */
export const SERVICES = Object.freeze([
  ['flow', 'flow', true],
  ['track', 'track', true],
  ['group', 'group', true],
  ['identity', 'identity', true],
  ['apiTask', 'api-task', true],
  ['mqttTask', 'mqtt', true],
  ['rssTask', 'rss', true],
  ['device', 'device', true],
  ['token', 'token', false],
  ['share', 'share', false],
].map(([property, service, updatable]) => Object.freeze({ property, service, updatable })));

/** The statistics of `api.statistics`, one method each (docs/protocol.md §3.14). */
export const STATISTICS = Object.freeze(['flowDropAdded', 'flowTracked', 'trackHit', 'trackPass', 'apiCallByIdentity', 'dropCreatedBy']);

/** methodsOf returns the public methods of a service object, bound to it:
 * those of its classes and its own function members. */
export function methodsOf(obj) {
  const out = {};
  for (let proto = Object.getPrototypeOf(obj); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && !name.startsWith('_') && !(name in out) && typeof obj[name] === 'function') out[name] = obj[name].bind(obj);
    }
  }
  for (const [name, v] of Object.entries(obj)) if (typeof v === 'function' && !(name in out)) out[name] = v;
  return out;
}
