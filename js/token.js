import { FlowThingsError } from './errors.js';

const SECRET = Symbol('flowthings.token');

/** An account and its token (the master token or a Token object's
 * tokenString). The token is not an enumerable property: printing,
 * JSON.stringify and util.inspect show only the account. */
export class Token {
  constructor(account, token) {
    if (typeof account !== 'string' || account === '' || typeof token !== 'string' || token === '') {
      throw new FlowThingsError('flowthings: Token(account, token) needs two non-empty strings', { code: 'input', field: 'token' });
    }
    this.account = account;
    Object.defineProperty(this, SECRET, { value: token, enumerable: false });
    Object.freeze(this);
  }
  /** The secret itself, for the API only. */
  get token() { return this[SECRET]; }
  toString() { return `Token(${this.account}, [redacted])`; }
  toJSON() { return { account: this.account }; }
  [Symbol.for('nodejs.util.inspect.custom')]() { return this.toString(); }

  /** Reads flowthings[0].credentials.{account, token} from the JSON of
   * VCAP_SERVICES in env (default: process.env where it exists). Without
   * usable credentials it returns fallback, or throws a FlowThingsError
   * saying why (never quoting the variable). */
  static fromBluemix(fallback, { env } = {}) {
    env ??= typeof process !== 'undefined' ? process.env : {};
    const why = (reason) => {
      if (fallback !== undefined && fallback !== null) return fallback;
      throw new FlowThingsError(`flowthings: no VCAP credentials: ${reason}`, { code: 'credentials', reason });
    };
    const data = env?.VCAP_SERVICES;
    if (!data) return why('VCAP_SERVICES is not set');
    let doc;
    try { doc = JSON.parse(data); } catch { return why('it is not a JSON object'); }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return why('it is not a JSON object');
    if (!('flowthings' in doc)) return why('it has no "flowthings" service');
    const services = doc.flowthings;
    if (!Array.isArray(services)) return why('"flowthings" is not a list of services with credentials');
    if (services.length === 0) return why('the "flowthings" list is empty');
    const cr = services[0]?.credentials;
    if (cr === null || typeof cr !== 'object') return why('flowthings[0] has no credentials');
    if (typeof cr.account !== 'string' || cr.account === '') return why('flowthings[0].credentials.account is missing or empty');
    if (typeof cr.token !== 'string' || cr.token === '') return why('flowthings[0].credentials.token is missing or empty');
    return new Token(cr.account, cr.token);
  }
}
