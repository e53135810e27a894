// The dashboard's remembered settings: only what is not secret (where to
// connect and as which account, and view choices). The token is never
// stored: it lives in the API object of the open connection and nowhere
// else, so a reload asks for it again.

const KEY = 'flowthings-dashboard';
const MAX_FLOWS_REMEMBERED = 50;

/** The connection settings remembered, each a string (secure a boolean). */
export const CONNECTION_KEYS = ['host', 'wsHost', 'account', 'secure'];

/** Reads the settings from storage (localStorage): `{ connection, chartElem }`. */
export function loadSettings(storage) {
  let saved = {};
  try {
    saved = JSON.parse(storage?.getItem(KEY) ?? '{}') ?? {};
  } catch {
    saved = {}; // unreadable: start afresh
  }
  const connection = {};
  for (const key of CONNECTION_KEYS) {
    const value = saved.connection?.[key];
    if (key === 'secure' ? typeof value === 'boolean' : typeof value === 'string') connection[key] = value;
  }
  const chartElem = {};
  for (const [flow, elem] of Object.entries(saved.chartElem ?? {})) {
    if (typeof elem === 'string') chartElem[flow] = elem;
  }
  return { connection, chartElem };
}

/** Writes the settings, keeping only the known non-secret members (a token
 * given by mistake is dropped here). Storage errors (private mode, quota)
 * are ignored: remembering is a convenience. */
export function saveSettings(storage, settings) {
  const connection = {};
  for (const key of CONNECTION_KEYS) {
    const value = settings.connection?.[key];
    if (value !== undefined) connection[key] = key === 'secure' ? Boolean(value) : String(value);
  }
  const chartElem = Object.fromEntries(Object.entries(settings.chartElem ?? {})
    .filter(([, elem]) => typeof elem === 'string')
    .slice(-MAX_FLOWS_REMEMBERED));
  try {
    storage?.setItem(KEY, JSON.stringify({ connection, chartElem }));
  } catch {
    // not remembered
  }
}
