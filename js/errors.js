// Errors of the flowthings-wasm package. Every error is a real Error
// subclass; none ever holds the token (the wasm module's errors never see
// it in a message, and this package never puts it anywhere but a header).

/** Misuse, a call refused before any I/O, a response that is not a platform
 * envelope, a transport failure, a timeout or an abort. `code` says which. */
export class FlowThingsError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code ?? 'error';
    for (const key of ['field', 'reason', 'position', 'expected', 'found', 'status', 'method', 'path', 'account', 'excerpt', 'service', 'operation']) {
      if (details[key] !== undefined) this[key] = details[key];
    }
  }
}

/** The platform answered with a failure status: `status`, `errors` (the
 * envelope's array), `messages`, `method`, `path` (below the account) and
 * `account`. */
export class FlowThingsException extends FlowThingsError {
  constructor(message, details = {}) {
    super(message, details);
    this.errors = details.errors ?? [];
    this.messages = details.messages ?? [];
  }
}

/** 400: malformed input, a bad filter, an immutable update. */
export class FlowThingsBadRequest extends FlowThingsException {}
/** 401 or 403: a missing, unknown or expired token, or one lacking permission. */
export class FlowThingsForbidden extends FlowThingsException {}
/** 404: an unknown id or flow. */
export class FlowThingsNotFound extends FlowThingsException {}
/** 5xx. */
export class FlowThingsServerError extends FlowThingsException {}

const platformClasses = {
  badRequest: FlowThingsBadRequest,
  forbidden: FlowThingsForbidden,
  notFound: FlowThingsNotFound,
  server: FlowThingsServerError,
  platform: FlowThingsException,
};

/** errorFrom turns an error descriptor of the wasm module (its `kind` is a
 * core.Kind) into the matching Error subclass. */
export function errorFrom(d) {
  const Class = platformClasses[d.kind] ?? FlowThingsError;
  return new Class(d.message, { ...d, code: d.kind });
}
