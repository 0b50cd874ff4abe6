// The JS half of the thin layer: the GraphError class (wasm-bindgen cannot make a Rust type extend
// Error) and promise plumbing for abort, deadlines and waits, which is smaller here than as closures in wasm.

/** The error every failed `startSynchronizationJob` call rejects with. */
export class GraphError extends Error {
  constructor(fields, options) {
    const f = fields && typeof fields === 'object' ? fields : {};
    super(typeof f.message === 'string' && f.message ? f.message : 'Microsoft Graph call failed', options);
    // Written out, in one order: every GraphError has the same shape (fast, and predictable to log).
    this.kind = f.kind;
    this.status = f.status ?? 0;
    this.code = f.code;
    this.requestId = f.requestId;
    this.clientRequestId = f.clientRequestId;
    this.date = f.date;
    this.innerErrors = f.innerErrors ?? [];
    this.details = f.details ?? [];
    this.target = f.target;
    this.retryAfterMs = f.retryAfterMs;
    this.headers = f.headers ?? {};
    this.body = f.body;
    this.bodyTruncated = f.bodyTruncated ?? false;
    this.attempts = f.attempts ?? 0;
    this.argument = f.argument;
  }

  /** A plain, structured-clone-safe copy of every field (never the token). */
  toJSON() {
    const out = { name: this.name };
    for (const key of FIELDS) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    const cause = this.cause;
    if (cause !== undefined) {
      try {
        out.cause = cause instanceof Error ? { name: cause.name, message: cause.message } : String(cause);
      } catch {
        out.cause = '[unprintable]';
      }
    }
    return JSON.parse(JSON.stringify(out));
  }
}
Object.defineProperty(GraphError.prototype, 'name', { value: 'GraphError', writable: true, configurable: true });

const FIELDS = ['kind', 'status', 'code', 'message', 'requestId', 'clientRequestId', 'date', 'innerErrors',
  'details', 'target', 'retryAfterMs', 'headers', 'body', 'bodyTruncated', 'attempts', 'argument'];

export function makeGraphError(fields, cause) {
  return cause === undefined ? new GraphError(fields) : new GraphError(fields, { cause });
}

/** Calls `fn`, turning a synchronous throw into a rejected promise, and a plain value into a resolved one. */
export function callAsync(fn, thisArg, arg) {
  try {
    return Promise.resolve(fn.call(thisArg, arg));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * One controller per call, aborted by the caller's signal or by the deadline. `stop()` tells
 * which fired ('aborted' | 'timeout' | undefined); `dispose()` removes the listener and timer.
 */
export class Stopper {
  constructor(userSignal, timeoutMs) {
    this.reason = undefined;
    this.cause = undefined;
    this.user = userSignal || undefined;
    this.controller = new AbortController();
    this.signal = this.controller.signal;
    this.onAbort = () => this.fire('aborted', this.user.reason);
    if (this.user) {
      if (this.user.aborted) this.fire('aborted', this.user.reason);
      else this.user.addEventListener('abort', this.onAbort, { once: true });
    }
    this.timer = setTimeout(() => this.fire('timeout', undefined), timeoutMs);
  }
  fire(reason, cause) {
    if (this.reason) return;
    this.reason = reason;
    this.cause = cause;
    this.controller.abort(cause);
  }
  stop() {
    return this.reason;
  }
  dispose() {
    if (this.user) this.user.removeEventListener('abort', this.onAbort);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts; leaves no timer or listener behind. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles like `promise`, or rejects as soon as `signal` aborts. */
export function untilAborted(promise, signal) {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort;
  const aborted = new Promise((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
