// The JS half of the thin layer: the GraphError class (wasm-bindgen cannot make a Rust type
// extend Error) and the driver, the one place that performs what the engine asks for: get a
// token, send a request, wait, call back, finish. It decides nothing the engine decides; it
// reads bodies (capped), redacts every token the call used, and keeps data on the JS side.

// GraphError's fields, declared once, in order, with their defaults: the constructor and
// toJSON() both use this table (index.d.ts is checked against it by a test).
const FIELDS = [
  ['kind'], ['status', 0], ['code'], ['message'], ['requestId'], ['clientRequestId'], ['date'],
  ['innerErrors', () => []], ['details', () => []], ['target'], ['retryAfterMs'], ['headers', () => ({})],
  ['body'], ['bodyTruncated', false], ['attempts', 0], ['argument'], ['hint'], ['job'],
];

/** The error every failed call rejects with. The token never appears in it. */
export class GraphError extends Error {
  constructor(fields, options) {
    const f = fields && typeof fields === 'object' ? fields : {};
    super(typeof f.message === 'string' && f.message ? f.message : 'Microsoft Graph call failed', options);
    for (const [key, fallback] of FIELDS) {
      const v = key === 'message' ? this.message : f[key];
      this[key] = v !== undefined ? v : typeof fallback === 'function' ? fallback() : fallback;
    }
    // Every error is dated: Graph's date when it gave one, else when the error was made.
    if (typeof this.date !== 'string') this.date = new Date().toISOString();
  }

  /** A plain, structured-clone-safe copy of every field (never the token). */
  toJSON() {
    const out = { name: this.name };
    for (const [key] of FIELDS) {
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
// The class's own name too, which minifiers rename (consoles print it before the message).
Object.defineProperty(GraphError, 'name', { value: 'GraphError' });

/** The field names of GraphError.toJSON(), in order (for the package's own consistency test). */
export const graphErrorFields = () => ['name', ...FIELDS.map(([k]) => k), 'cause'];

/** A rejected promise of the GraphError whose fields are this JSON text (from the engine). */
export function reject(fields) {
  return Promise.reject(new GraphError(JSON.parse(fields)));
}

/** The own enumerable properties of a plain object as [key, value, ...] (undefined values left
 * out), or why it is not one (a string); when a getter throws, the list ends with its key alone.
 * Never throws. */
export function ownEntries(v) {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object') return 'must be a plain object';
  let keys;
  try {
    if (Array.isArray(v)) return 'must be a plain object'; // a revoked Proxy throws here
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && Object.getPrototypeOf(proto) !== null) return 'must be a plain object';
    keys = Object.keys(v);
  } catch {
    return 'could not be read (a proxy trap threw)';
  }
  const out = [];
  for (const k of keys) {
    let value;
    try {
      value = v[k];
    } catch {
      out.push(k);
      return out;
    }
    if (value !== undefined) out.push(k, value);
  }
  return out;
}

/** A copy of an array's items: false when not an array, null when longer than `max` or when
 * reading it threw (a Proxy, a throwing index getter). Never throws. */
export function listOf(v, max) {
  try {
    if (!Array.isArray(v)) return false;
    const n = v.length;
    if (!(n <= max)) return null;
    const out = [];
    for (let i = 0; i < n; i++) out.push(v[i]);
    return out;
  } catch {
    return null;
  }
}

/** The own data property `k` of `o` (never an inherited one, nor a getter's result). Never throws. */
export function ownValue(o, k) {
  try {
    const d = Object.getOwnPropertyDescriptor(o, k);
    return d && 'value' in d ? d.value : undefined;
  } catch {
    return undefined;
  }
}

/** A credential's getToken, its own or its class's, never Object.prototype's (a polluted page);
 * null when reading it threw. Never throws. */
export function getTokenOf(o) {
  try {
    for (let p = o; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      const d = Object.getOwnPropertyDescriptor(p, 'getToken');
      if (d) return 'value' in d && typeof d.value === 'function' ? d.value : undefined;
    }
    return undefined;
  } catch {
    return null;
  }
}

/** Whether a string is well-formed UTF-16: no lone surrogate (it would be sent as U+FFFD). */
export const wellFormed = (s) => !/\p{Cs}/u.test(s);

/** `new Date(ms).toISOString()`; Rust calls it only for the range a Date holds, so it never throws. */
export const isoDate = (ms) => new Date(ms).toISOString();

/** A fresh client-request-id: crypto.randomUUID(), else a v4 UUID from crypto.getRandomValues
 * (randomUUID exists only in secure contexts), else from Math.random. Never throws. */
export function newClientRequestId() {
  const c = globalThis.crypto;
  try {
    const id = c.randomUUID();
    if (typeof id === 'string') return id;
  } catch {
    // not a secure context, or no Web Crypto: the bytes below
  }
  const b = new Uint8Array(16);
  try {
    c.getRandomValues(b);
  } catch {
    for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- stopping: the caller's signal and the deadline ----

// One 'abort' listener per caller signal, however many calls share it (no MaxListeners warning).
const watched = new WeakMap();

function watch(signal, stop) {
  let calls = watched.get(signal);
  if (!calls) {
    if (signal.aborted) return stop.abort(reasonOf(signal));
    calls = new Set();
    signal.addEventListener('abort', () => {
      watched.delete(signal);
      const reason = reasonOf(signal);
      for (const s of calls) s.abort(reason);
    }, { once: true });
    watched.set(signal, calls);
  }
  calls.add(stop);
  return () => calls.delete(stop);
}

function reasonOf(signal) {
  try {
    return signal.reason;
  } catch {
    return undefined;
  }
}

class Stop {
  constructor(timeoutMs) {
    this.aborted = false;
    this.timedOut = false;
    this.reason = undefined;
    this.hooks = new Set();
    this.promise = new Promise((resolve) => (this.wake = resolve));
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.fire();
    }, timeoutMs);
  }
  abort(reason) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.fire();
  }
  fire() {
    for (const f of this.hooks) f();
    this.hooks.clear();
    this.wake();
  }
  get stopped() {
    return this.aborted || this.timedOut;
  }
  /** Runs `f` when the call stops (at once if it has); returns the undo. */
  on(f) {
    if (this.stopped) {
      f();
      return () => {};
    }
    this.hooks.add(f);
    return () => this.hooks.delete(f);
  }
  dispose() {
    clearTimeout(this.timer);
    this.hooks.clear();
  }
}

function sleep(ms, stop) {
  return new Promise((resolve) => {
    const off = stop.on(() => clearTimeout(timer));
    const timer = setTimeout(() => {
      off();
      resolve();
    }, ms);
  });
}

/** Calls a caller's callback; whatever it throws or rejects with is ignored, as documented. */
function tell(f, info) {
  if (typeof f !== 'function') return;
  try {
    const r = f(info);
    if (r && typeof r.then === 'function') Promise.resolve(r).catch(() => {});
  } catch {
    // ignored
  }
}

function callAsync(f, thisArg, arg) {
  try {
    return Promise.resolve(f.call(thisArg, arg));
  } catch (e) {
    return Promise.reject(e);
  }
}

function describe(e) {
  if (typeof e === 'string') return e;
  try {
    const m = e && e.message;
    if (typeof m === 'string') return m;
  } catch {
    // a throwing getter: fall through
  }
  return 'it threw a value without a message';
}

// ---- secrets ----

const HEX = (c) => c.toString(16).padStart(2, '0').replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);

/** Every token of the call, as it is and encoded (JSON \u escapes, percent-encoding, \/). */
function secretPattern(tokens) {
  const alternatives = tokens.map((t) =>
    [...t]
      .map((ch) => {
        const h = HEX(ch.charCodeAt(0));
        const lit = ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
        return `(?:${lit}|\\\\u00${h}|%${h}${ch === '/' ? '|\\\\/' : ''})`;
      })
      .join(''),
  );
  return new RegExp(alternatives.join('|'), 'g');
}

// The escapes secretPattern accepts for one character, decoded in one pass.
const ESCAPES = /\\u00([0-9a-fA-F]{2})|%([0-9a-fA-F]{2})|\\(\/)/g;
const unescaped = (text) => text.replace(ESCAPES, (_, u, p, slash) => slash || String.fromCharCode(parseInt(u || p, 16)));

function redactor(tokens) {
  let pattern;
  let count = 0;
  return (text) => {
    if (typeof text !== 'string' || tokens.length === 0) return text;
    // Most texts hold no token: a native search first, and the pattern (costly to build for a
    // real token of 1-2 KB) only when a token is there in some form.
    if (!tokens.some((t) => text.includes(t))) {
      const plain = unescaped(text);
      if (plain === text || !tokens.some((t) => plain.includes(t))) return text;
    }
    if (count !== tokens.length) {
      pattern = secretPattern(tokens);
      count = tokens.length;
    }
    return text.replace(pattern, '[redacted]');
  };
}

// ---- responses ----

const define = (o, k, value) => Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });

/** Body text, read as a stream and cut after `limit` UTF-16 units (the rest is cancelled). */
async function readText(resp, limit) {
  const reader = resp.body && typeof resp.body.getReader === 'function' ? resp.body.getReader() : undefined;
  if (!reader) {
    const t = await resp.text();
    return [t, t.length > limit];
  }
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.length > limit) {
      reader.cancel().catch(() => {});
      return [text, true];
    }
  }
  return [text + decoder.decode(), false];
}

/** Graph's inner-error chain (innerError, any case), outermost first, each without its child. */
function innerChain(error) {
  const out = [];
  let cur = error;
  for (let depth = 0; depth < 32 && cur && typeof cur === 'object'; depth++) {
    const key = Object.keys(cur).find((k) => k.toLowerCase() === 'innererror');
    cur = key === undefined ? undefined : cur[key];
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) break;
    const copy = {};
    for (const k of Object.keys(cur)) if (k.toLowerCase() !== 'innererror') define(copy, k, cur[k]);
    out.push(copy);
  }
  return out;
}

function graphError(fields, data, cause) {
  const f = { ...fields };
  if (data) {
    f.headers = data.headers;
    f.body = data.text;
    f.bodyTruncated = data.truncated;
    const err = data.json && typeof data.json === 'object' ? data.json.error : undefined;
    f.innerErrors = innerChain(err);
    f.details = err && Array.isArray(err.details) ? err.details : [];
  }
  return cause === undefined ? new GraphError(f) : new GraphError(f, { cause });
}

/** A job as Graph sent it, less `@odata.context` (it describes the response, not the job). */
function withoutContext(job) {
  if (job && typeof job === 'object' && !Array.isArray(job)) delete job['@odata.context'];
  return job;
}

// ---- what crosses: the paths src/views.rs declares ----

let TABLES;

/** The engine's tables of paths (src/views.rs: Top, Sub, Job, Inner; `drive` is given them), each
 * path split into its keys, read once. */
function tables(paths) {
  if (!TABLES) {
    TABLES = paths.split('\n').map((t) => t.split(' ').filter(Boolean).map((p) => {
      const number = p[0] === '#';
      const keys = (number ? p.slice(1) : p).split('/');
      const object = keys[keys.length - 1] === '';
      return { number, object, keys: object ? keys.slice(0, -1) : keys };
    }));
  }
  return TABLES;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** `o[k]` when `o` is a plain object (not an array) with `k` as its own property. For what
 * JSON.parse made (no getters, no proxies): faster than ownValue, which a descriptor costs. */
const ownKey = (o, k) => (isObject(o) && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/** A row: each path read from `root` through own properties of plain objects only; a string,
 * a number as text (#), '' for an object (a path ending in /), else null. */
function pick(root, table) {
  return table.map(({ number, object, keys }) => {
    let v = root;
    for (const k of keys) v = ownKey(v, k);
    if (object) return isObject(v) ? '' : null;
    if (number) return typeof v === 'number' ? String(v) : null;
    return typeof v === 'string' ? v : null;
  });
}


// Success bodies (a job, a page, a $batch answer) may be larger than error bodies, never unbounded.
const SUCCESS_LIMIT = 4 * 1024 * 1024;
// An error body is read a little past its cap, so that a token crossing the cap is redacted whole.
const TOKEN_ROOM = 6 * 16 * 1024;

// ---- the driver ----

/** Runs the engine to the end with what the engine's checks made of the caller's arguments.
 * Always settles; never throws synchronously. */
export function drive(machine, kind, source, getToken, scopes, signal, timeoutMs, clientRequestId, onRetry, onResponse, onProgress, errorLimit, paths) {
  return run(machine, { kind, source, getToken, scopes, signal, timeoutMs, clientRequestId, onRetry, onResponse, onProgress, errorLimit, paths });
}

async function run(m, c) {
  const stop = new Stop(c.timeoutMs);
  let unwatch;
  if (c.signal !== undefined) {
    try {
      unwatch = watch(c.signal, stop);
    } catch {
      stop.dispose();
      m.free();
      throw new GraphError({
        kind: 'invalidArgument', code: 'invalidArgument', argument: 'options.signal', attempts: 0,
        clientRequestId: c.clientRequestId,
        message: 'options.signal could not be used as an AbortSignal (reading or listening to it threw)',
      });
    }
  }
  const tokens = [];
  const redact = redactor(tokens);
  const slots = [];
  const pending = new Map();
  const controllers = new Set();
  const collected = [];
  const items = [];
  let token;
  let tokenError;
  let last;

  // Each pending promise settles to [its key, the report to give the engine].
  const track = (key, p) => pending.set(key, p.then((report) => [key, report]));

  const redactHeaders = (h) => {
    const out = {};
    for (const k of Object.keys(h)) define(out, k, redact(h[k]));
    return out;
  };

  const send = (slot, a) => {
    const controller = new AbortController();
    controllers.add(controller);
    const off = stop.on(() => controller.abort());
    const headers = { authorization: 'Bearer ' + token, 'client-request-id': c.clientRequestId };
    if (a.body !== undefined) headers['content-type'] = 'application/json';
    const init = { method: a.method, headers, body: a.body, signal: controller.signal, redirect: 'manual' };
    const done = (async () => {
      let resp;
      try {
        resp = await fetch(a.url, init);
        // A polyfill or stand-in may resolve to anything: only a response-like value is one.
        if (!resp || typeof resp !== 'object' || typeof resp.status !== 'number') throw new TypeError('fetch did not give a Response');
      } catch (e) {
        slots[slot] = { cause: e };
        return () => m.noAnswer(slot, Date.now());
      }
      const h = {};
      try {
        resp.headers.forEach((v, k) => define(h, k.toLowerCase(), redact(v)));
      } catch {
        // unreadable headers are left out
      }
      const status = resp.type === 'opaqueredirect' ? 0 : resp.status;
      const limit = status === a.expect ? SUCCESS_LIMIT : c.errorLimit + TOKEN_ROOM;
      let text;
      let cut = false;
      try {
        [text, cut] = await readText(resp, limit);
        text = redact(text);
      } catch {
        text = undefined;
      }
      let json;
      if (text !== undefined && !cut && text !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      // $batch sub-responses carry headers in the server's own case: names lower-case, as fetch gives them.
      const responses = json && Array.isArray(json.responses) ? json.responses : undefined;
      if (responses) {
        for (const r of responses) {
          if (r && typeof r === 'object' && r.headers && typeof r.headers === 'object') {
            const lower = {};
            for (const k of Object.keys(r.headers)) define(lower, k.toLowerCase(), r.headers[k]);
            r.headers = lower;
          }
        }
      }
      const truncated = cut || (text !== undefined && text.length > c.errorLimit);
      if (truncated) text = text.slice(0, c.errorLimit).replace(/[\uD800-\uDBFF]$/, '');
      const data = { headers: h, text, truncated, json };
      slots[slot] = data;
      const err = json && typeof json === 'object' ? json.error : undefined;
      const head = text === undefined ? undefined : text.slice(0, 2000);
      return () => {
        const [top, sub, job, inner] = tables(c.paths);
        // Lists of cells, rows of fixed lengths found by position (src/views.rs); a job row only
        // where there is a status object to read it from.
        const jobCells = (o) => (isObject(ownKey(o, 'status')) ? pick(o, job) : []);
        const rows = [...pick({ h, b: json }, top), ...jobCells(json)];
        const inners = innerChain(err).flatMap((i) => pick(i, inner));
        const subs = responses ? responses.flatMap((r) => [...pick(r, sub), ...jobCells(ownKey(r, 'body'))]) : [];
        m.response(slot, status, redact(resp.statusText || ''), [...rows, ...inners, ...subs], rows.length, inners.length,
          !!responses, json !== undefined, head, Date.now());
      };
    })().finally(() => {
      off();
      controllers.delete(controller);
    });
    track('s' + slot, done);
  };

  const getToken = () => {
    let p;
    if (c.kind === 'string') p = Promise.resolve(c.source);
    else if (c.kind === 'function') p = callAsync(c.source, undefined, undefined);
    else p = callAsync(c.getToken, c.source, typeof c.scopes === 'string' ? [c.scopes] : c.scopes);
    track('t', p.then(
      (v) => () => {
        const t = m.token(v, undefined, Date.now());
        if (t !== undefined) {
          token = t;
          if (!tokens.includes(t)) tokens.push(t);
        }
      },
      (e) => () => {
        tokenError = e;
        const what = c.kind === 'function' ? 'The token function' : "The credential's getToken";
        m.token(undefined, what + ' failed: ' + redact(describe(e)), Date.now());
      },
    ));
  };

  /** What an error carries from sub-response `sub` of the batch answer in `slot` (else that answer's). */
  const subData = (slot, sub, status) => {
    const batch = slots[slot];
    const r = sub !== undefined && batch && batch.json && Array.isArray(batch.json.responses) ? batch.json.responses[sub] : undefined;
    if (r && typeof r === 'object') {
      return {
        headers: r.headers && typeof r.headers === 'object' ? redactHeaders(r.headers) : {},
        text: r.body === undefined ? undefined : JSON.stringify(r.body),
        truncated: false,
        json: r.body,
      };
    }
    return status && batch && batch.headers ? batch : undefined;
  };

  const itemResult = (r) => {
    const out = { servicePrincipalId: r.servicePrincipalId, jobId: r.jobId, ok: r.ok, skipped: r.skipped };
    for (const k of ['jobStatus', 'status', 'requestId']) if (r[k] !== undefined) out[k] = r[k];
    if (r.error) out.error = graphError(r.error, subData(r.slot, r.sub, r.error.status));
    return out;
  };

  try {
    for (;;) {
      // The engine's actions arrive as JSON text and are made into objects here, outside the wasm
      // call (src/wire.rs says why).
      for (const a of JSON.parse(m.take())) {
        // A callback may have aborted the call: nothing more goes out, the engine hears of it next.
        if (stop.stopped && (a.t === 'send' || a.t === 'token' || a.t === 'wait')) continue;
        switch (a.t) {
          case 'token': getToken(); break;
          case 'send': send(a.slot, a); break;
          case 'wait': track('w' + a.slot, sleep(a.ms, stop).then(() => () => m.waited(a.slot, Date.now()))); break;
          case 'ok': {
            const data = slots[a.slot] || {};
            const crid = data.headers && data.headers['client-request-id'];
            tell(c.onResponse, {
              status: a.status, requestId: a.requestId, clientRequestId: crid || c.clientRequestId,
              attempts: a.attempts, headers: data.headers || {},
            });
            break;
          }
          case 'retry':
            last = a.sub === undefined
              ? graphError(a.error, slots[a.slot], slots[a.slot] && slots[a.slot].cause)
              : graphError(a.error, subData(a.slot, a.sub, a.error.status));
            tell(c.onRetry, { attempt: a.attempt, delayMs: a.delayMs, error: last });
            break;
          case 'collect': {
            const v = slots[a.slot].json && slots[a.slot].json.value;
            if (Array.isArray(v)) for (const job of v) collected.push(withoutContext(job));
            break;
          }
          case 'polled': tell(c.onProgress, withoutContext(slots[a.slot].json)); break;
          case 'item': items[a.item.index] = itemResult(a.item); break;
          case 'progress': tell(c.onProgress, { done: a.done, total: a.total, ok: a.ok, failed: a.failed, skipped: a.skipped }); break;
          case 'finish': return a.result;
          case 'return': return withoutContext(slots[a.slot].json);
          case 'returnCollected': return collected;
          case 'returnItems': return items;
          case 'fail': {
            const data = a.slot === undefined ? undefined : slots[a.slot];
            const cause = a.cause === 'token' ? tokenError
              : a.cause === 'signal' ? stop.reason
              : a.cause === 'last' ? last
              : a.cause === 'network' ? data && data.cause
              : undefined;
            const fields = a.error.kind === 'jobFailed' ? { ...a.error, job: withoutContext(data.json) } : a.error;
            throw graphError(fields, a.error.kind === 'jobFailed' || a.cause === 'network' ? undefined : data, cause);
          }
          default: break;
        }
      }
      const feed = await (stop.stopped ? stop.promise : Promise.race([stop.promise, ...pending.values()]));
      if (stop.stopped) {
        m.stopped(stop.aborted, stop.timedOut, Date.now());
        continue;
      }
      const [key, report] = feed;
      pending.delete(key);
      report();
    }
  } finally {
    stop.dispose();
    if (unwatch) unwatch();
    for (const controller of controllers) controller.abort();
    m.free();
  }
}
