// A bounded fuzz of the package boundary: random arguments (odd types, huge strings, getters that
// throw, Proxies, symbols, frozen objects, token sources that misbehave) to every export, with
// globalThis.fetch replaced by a hostile in-process server (random statuses, bodies, headers,
// Retry-After forms, redirects, broken streams, non-Responses, rejections, hangs until aborted).
// Every call must return a promise (never throw synchronously) that settles within 15 s, with
// a value or a GraphError; afterwards a normal call against a private graph-emulator still works.
// FUZZ_SECONDS (default 3) bounds the run, FUZZ_SEED replays one; the seed is printed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { installPackage } from './hostile/package.mjs';
import { TOKEN, emulator, privateEmulator, freshJobs, settle, resolved } from './hostile/common.mjs';

const SECONDS = Number(process.env.FUZZ_SECONDS || 3);
const SEED = Number(process.env.FUZZ_SEED || (Date.now() % 2 ** 31));
const IN_FLIGHT = Number(process.env.FUZZ_LANES || 48);
const FUZZ_HOST = 'http://fuzz.invalid';
const KINDS = ['http', 'network', 'aborted', 'timeout', 'invalidArgument', 'token', 'jobFailed'];

// mulberry32: small, seedable, good enough to pick shapes.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];
const chance = (p) => rnd() < p;

const HUGE = 'a'.repeat(1_000_000);
const SP = '3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d';
const JOBID = 'salesforce.e4bbf44533ea4eabb17027f3a92e92aa';
const STRINGS = [
  '', ' ', '\t', '.', '..', '../x', 'a/b', '%2F', '?#', 'a\r\nb', '\u0000', 'a\uD800b', '\uDC00', '😀', 'é',
  HUGE, 'x'.repeat(16 * 1024 + 1), 'x'.repeat(257), 'Bearer demo-token-readwrite', ' demo-token-readwrite',
  'demo-token-readwrite', 'demo-token-readonly', SP, JOBID, 'toString', '__proto__', 'constructor',
  'https://graph.microsoft.com', 'http://127.0.0.1:1', 'ftp://x', 'http://user:pw@host', 'http://h/?q', 'v1.0', 'beta',
  'global', 'usGov', 'usGovDoD', 'china', 'Paused', 'Active', 'Full', 'Watermark', 'cycleComplete', 'steadyState', 'active',
];
const throwing = (what) => () => { throw new Error(`fuzz ${what}`); };

// Revoked Proxies, Proxy arrays, throwing index getters and absurd lengths are generated in every
// position (the library reads arrays and plain objects through guards that never throw).

/** A Proxy over `target` whose traps throw or lie, one shape per call. */
function oddProxy(target) {
  const shape = int(4);
  if (shape === 0) {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
  }
  const traps = {};
  for (const trap of ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'set', 'defineProperty', 'apply']) {
    if (shape === 1 || chance(0.3)) traps[trap] = throwing(`trap ${trap}`);
  }
  // Lying getters give data, not functions: a random function read as `then` would be called by
  // the platform's promise machinery, and what it returns is nobody's to handle (not the package's).
  if (shape === 3) traps.get = () => pick([undefined, null, 0, NaN, '', TOKEN, 'x', {}, [], true, 10n]);
  return new Proxy(target, traps);
}

/** Any JS value, odd ones favoured. */
function anyValue(depth = 0) {
  switch (int(depth > 2 ? 14 : 24)) {
    case 0: return undefined;
    case 1: return null;
    case 2: return pick([true, false, 0, -0, NaN, Infinity, -Infinity, 1e308, -1, 2 ** 53, 1.5, 86_400_001]);
    case 3: return 10n;
    case 4: return Symbol('fuzz');
    case 5: case 6: case 7: return pick(STRINGS);
    case 8: return new String('boxed');
    case 9: return pick([() => {}, throwing('function'), async () => anyValue(depth + 1), class {}]);
    case 10: return pick([new Date(NaN), /re/, new Map([['baseUrl', 'x']]), new Set(), new WeakMap(), new ArrayBuffer(8), new Uint8Array(4)]);
    case 11: {
      const p = Promise.resolve(anyValue(depth + 1)); // a thenable Proxy may make it reject
      p.catch(() => {});
      return p;
    }
    case 12: return { [Symbol.toPrimitive]: throwing('toPrimitive'), toString: throwing('toString'), valueOf: throwing('valueOf') };
    case 13: return pick([AbortSignal.abort(), new AbortController().signal, AbortSignal.timeout(1)]);
    case 14: return Object.create(null);
    case 15: return Object.freeze({ a: anyValue(depth + 1) });
    case 16: return oddProxy({});
    case 17: return { get boom() { throw new Error('fuzz getter'); } };
    case 18: return [anyValue(depth + 1), anyValue(depth + 1)];
    case 19: return Object.assign([], { 5: 'sparse' });
    case 20: return { toJSON: throwing('toJSON'), then: chance(0.5) ? throwing('then') : undefined };
    case 21: return new Proxy(() => {}, { apply: throwing('apply') });
    case 22: return { [Symbol('k')]: 1, [pick(STRINGS).slice(0, 50)]: anyValue(depth + 1) };
    default: return Object.create({ inherited: anyValue(depth + 1) });
  }
}

/** A token argument; `hang` allows sources that never settle (only with a short timeoutMs). */
function anyToken(hang) {
  const v = () => (chance(0.5) ? pick([TOKEN, { accessToken: TOKEN }, { token: TOKEN }, { accessToken: TOKEN, token: TOKEN }]) : anyValue(1));
  switch (int(9)) {
    case 0: case 1: return TOKEN;
    case 2: return anyValue();
    case 3: { const x = v(); return () => x; }
    case 4: { const x = v(); return async () => x; }
    case 5: return throwing('token function');
    case 6: { const x = v(); return { getToken: async () => (chance(0.5) ? { token: TOKEN } : x) }; }
    case 7: return hang ? () => new Promise(() => {}) : { getToken: () => { throw anyValue(2); } };
    default: return oddProxy(chance(0.5) ? () => TOKEN : { getToken: async () => ({ token: TOKEN }) });
  }
}

/** An id argument. */
const anyId = () => (chance(0.7) ? pick([SP, JOBID, 'x.y', 'a b', '%', pick(STRINGS)]) : anyValue());

// Arrays in array-typed positions: plain, frozen, with holes, a Proxy whose traps throw, one
// whose index getter throws, or one claiming a length of 2^32-1.
function anyArray(items) {
  const n = pick([0, 1, 2, 3, 21, 64, 65]);
  const a = Array.from({ length: n }, items);
  if (chance(0.1)) delete a[0];
  const odd = int(10);
  if (odd === 0) return oddProxy(a);
  if (odd === 1) return Object.defineProperty(a, 0, { get: throwing('index getter') });
  if (odd === 2) return { __proto__: Array.prototype, length: 2 ** 32 - 1 };
  if (odd === 3) {
    const huge = [];
    huge.length = 2 ** 32 - 1;
    return huge;
  }
  return chance(0.1) ? Object.freeze(a) : a;
}

const anyJobs = () => (chance(0.15) ? anyValue() : anyArray(() => (chance(0.7)
  ? { servicePrincipalId: chance(0.9) ? SP : anyId(), jobId: chance(0.9) ? `${JOBID}${int(3)}` : anyId() }
  : pick([anyValue(1), { servicePrincipalId: SP }, { servicePrincipalId: SP, jobId: JOBID, extra: 1 }, oddProxy({})]))));

const OPTION_VALUES = {
  baseUrl: () => pick([FUZZ_HOST, 'http://fuzz.invalid/', 'https://fuzz.invalid/x', pick(STRINGS)]),
  cloud: () => pick(STRINGS), apiVersion: () => pick(['beta', 'v1.0', 'v2', '']),
  signal: () => (chance(0.7) ? pick([new AbortController().signal, AbortSignal.abort(), AbortSignal.timeout(int(50))]) : anyValue()),
  timeoutMs: () => (chance(0.8) ? 1 + int(200) : anyValue()),
  retry: () => (chance(0.7) ? { maxRetries: int(4), maxDelayMs: int(300), baseDelayMs: 1 + int(20) } : anyValue()),
  onRetry: () => pick([() => {}, throwing('onRetry'), async () => { throw new Error('x'); }, anyValue()]),
  onResponse: () => pick([() => {}, throwing('onResponse'), anyValue()]),
  onProgress: () => pick([() => {}, throwing('onProgress'), anyValue()]),
  clientRequestId: () => pick(['fuzz-crid', 'x'.repeat(129), pick(STRINGS)]),
  scopes: () => (chance(0.7) ? anyArray(() => pick(STRINGS)) : anyValue()),
  ifStatus: () => (chance(0.7) ? anyArray(() => pick(['Paused', 'Active', 'NotRun', 'Quarantine', 'NotConfigured', 'x'])) : anyValue()),
  resetScope: () => (chance(0.7) ? anyArray(() => pick(['Full', 'Watermark', 'Escrows', 'x'])) : anyValue()),
  concurrency: () => pick([1, 4, 20, 21, 0, 2.5, anyValue()]),
  until: () => pick(['cycleComplete', 'steadyState', 'active', 'x', anyValue()]),
  pollIntervalMs: () => pick([1000, 999, anyValue()]),
};

/**
 * Options, and whether the call is bounded by a short deadline (`bounded`). Unbounded calls go to
 * the default host, which the stub answers tamely (404 at once), so they settle quickly too.
 */
function anyOptions() {
  if (chance(0.15)) return { options: anyValue(), bounded: false };
  const o = {};
  for (const [k, make] of Object.entries(OPTION_VALUES)) if (chance(0.25)) o[k] = make();
  // Own data properties (as JSON.parse makes them): a key '__proto__' is a key, not the prototype.
  const own = (k, value) => Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  if (chance(0.2)) own(pick(['baseURL', 'timeout', 'retries', 'maxRetries', '__proto__', pick(STRINGS).slice(0, 30)]), anyValue(1));
  const bounded = chance(0.95);
  if (bounded) {
    own('baseUrl', FUZZ_HOST);
    own('timeoutMs', 1 + int(250));
  }
  else if (typeof o.baseUrl === 'string' && o.baseUrl.startsWith(FUZZ_HOST)) delete o.baseUrl; // unbounded: tame host only
  let options = o;
  switch (int(8)) {
    case 0: options = Object.freeze(o); break;
    case 1: options = Object.assign(Object.create(null), o); break;
    case 2: options = new Proxy(o, chance(0.5) ? {} : { get: (t, k) => (chance(0.1) ? throwing('get')() : t[k]) }); break;
    case 3: Object.defineProperty(o, pick(Object.keys(OPTION_VALUES)), { get: throwing('option getter'), enumerable: true, configurable: true }); break;
    default: break;
  }
  return { options, bounded };
}

// ---- the hostile fetch ----

const JOB_JSON = () => ({
  id: JOBID, templateId: 'salesforce', status: { code: pick(['Active', 'Paused', 'Quarantine', 'NotRun', 'x', null]),
    lastExecution: chance(0.5) ? null : { state: pick(['Succeeded', 'Failed', null]), timeBegan: pick(['2026-01-01T00:00:00Z', 'garbage', null]), timeEnded: pick(['2099-01-01T00:00:00Z', null, 5]) },
    quarantine: null },
  schedule: { state: 'Active' },
});
const BODIES = [
  () => '', () => 'not json', () => '{"error":', () => JSON.stringify({ error: { code: 'Fuzz', message: 'm', innerError: { date: 'x' } } }),
  () => JSON.stringify(JOB_JSON()), () => JSON.stringify({ value: [JOB_JSON(), 5, null], '@odata.nextLink': pick([undefined, `${FUZZ_HOST}/beta/next`, 'javascript:x', 5]) }),
  () => 'null', () => '[]', () => '"str"', () => '{"__proto__":{"polluted":1},"error":{"__proto__":{"x":1}}}',
  () => `{"error":{"message":"${'x'.repeat(200_000)}"}}`, () => '{"a":'.repeat(5000), () => '\u0000\uFFFF',
];

function batchAnswer(init) {
  let ids = [];
  try {
    ids = JSON.parse(init.body).requests.map((r) => r.id);
  } catch {
    // not a batch body we can read: answer with garbage
  }
  if (chance(0.2)) return pick(BODIES)();
  return JSON.stringify({
    responses: (chance(0.1) ? ids.slice(1) : ids).map((id) => ({
      id: chance(0.05) ? 'other' : id, status: pick([204, 200, 404, 429, 503, 500, 302, '204', null]),
      headers: pick([{}, { 'retry-after': pick(['0', '1', '99999', 'x']) }, null, 'h']),
      body: chance(0.5) ? undefined : pick([JOB_JSON(), { error: { code: 'Sub' } }, 'str', null]),
    })),
  });
}

function hostileFetch(url, init = {}) {
  const u = String(url);
  if (!u.startsWith(FUZZ_HOST)) {
    // The default host (no baseUrl given): a tame, immediate answer.
    return Promise.resolve(init.method === 'POST' && !u.endsWith('$batch') ? new Response(null, { status: 204 })
      : new Response('{"error":{"code":"NotFound","message":"tame"}}', { status: 404 }));
  }
  const signal = init.signal;
  const answer = () => {
    switch (int(12)) {
      case 0: return Promise.reject(new TypeError('fetch failed'));
      case 1: return Promise.resolve(pick([undefined, null, {}, { status: 'x' }, { status: 200, headers: null, body: null }, 5]));
      case 2: return new Promise((resolve, reject) => signal && signal.addEventListener('abort', () => reject(signal.reason)));
      case 3: {
        const body = new ReadableStream({ pull(c) { c.enqueue(new TextEncoder().encode('{"error":')); c.error(new Error('stream broke')); } });
        return Promise.resolve(new Response(body, { status: pick([200, 400, 500]) }));
      }
      case 4: return Promise.resolve(new Response(null, { status: pick([301, 302, 303, 307, 308]), headers: { location: pick(['', '/', 'https://evil.example/', 'javascript:x', '//x', '%']) } }));
      default: {
        const status = pick([200, 204, 201, 202, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, 599]);
        const headers = new Headers();
        if (chance(0.5)) headers.set('retry-after', pick(['0', '0.5', '1', '99999', '-1', 'x', 'Wed, 21 Oct 2015 07:28:00 GMT', '1e3']));
        if (chance(0.3)) headers.set('date', pick(['garbage', new Date().toUTCString()]));
        if (chance(0.3)) headers.set('request-id', pick(['rid', 'x'.repeat(5000)]));
        const body = status === 204 ? null : u.endsWith('$batch') && status === 200 ? batchAnswer(init) : pick(BODIES)();
        return Promise.resolve(new Response(body, { status, headers }));
      }
    }
  };
  const safeAnswer = () => {
    try {
      return answer();
    } catch (e) {
      return Promise.reject(e);
    }
  };
  // Some answers come late (or are cut by the caller's abort).
  if (!chance(0.3)) return safeAnswer();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(safeAnswer()), int(80));
    if (signal) signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
  });
}

// ---- the run ----

const EXPORT_CALLS = [
  ['getSynchronizationJob', (l, t, o) => l.getSynchronizationJob(t, anyId(), anyId(), o)],
  ['listSynchronizationJobs', (l, t, o) => l.listSynchronizationJobs(t, anyId(), o)],
  ['startSynchronizationJob', (l, t, o) => l.startSynchronizationJob(t, anyId(), anyId(), o)],
  ['pauseSynchronizationJob', (l, t, o) => l.pauseSynchronizationJob(t, anyId(), anyId(), o)],
  ['restartSynchronizationJob', (l, t, o) => l.restartSynchronizationJob(t, anyId(), anyId(), o)],
  ['waitForSynchronizationJob', (l, t, o) => l.waitForSynchronizationJob(t, anyId(), anyId(), o)],
  ['startSynchronizationJobs', (l, t, o) => l.startSynchronizationJobs(t, anyJobs(), o)],
  ['pauseSynchronizationJobs', (l, t, o) => l.pauseSynchronizationJobs(t, anyJobs(), o)],
  ['restartSynchronizationJobs', (l, t, o) => l.restartSynchronizationJobs(t, anyJobs(), o)],
  ['init', (l) => l.init(anyValue())],
];

test(`fuzz: every export settles with a value or a GraphError (seed ${SEED}, ${SECONDS} s)`, async () => {
  const { lib, cleanup } = await installPackage('fuzz');
  after(cleanup);
  const realFetch = globalThis.fetch;
  const problems = [];
  const onUnhandled = (reason) => problems.push(`unhandledRejection: ${reason && reason.message}`);
  process.on('unhandledRejection', onUnhandled);
  const stats = { cases: 0, resolved: 0, kinds: {} };
  const failures = [];
  globalThis.fetch = hostileFetch;
  try {
    const deadline = Date.now() + SECONDS * 1000;
    const one = async (n) => {
      const [name, call] = pick(EXPORT_CALLS);
      const { options, bounded } = anyOptions();
      const token = anyToken(bounded);
      // Bounded calls carry timeoutMs <= 250; the bound leaves room for event-loop lag under 48
      // lanes of 1 MB strings and large bodies (long runs saw timers fire up to 8 s late), and is
      // still far below the 120 s default deadline a leaked call would take.
      const r = await settle(() => call(lib, token, options), 15_000);
      stats.cases++;
      const where = `case ${n} ${name} (seed ${SEED})`;
      if (r.threw) failures.push(`${where}: threw synchronously: ${r.threw}`);
      else if (r.hung) failures.push(`${where}: did not settle`);
      else if ('error' in r) {
        const e = r.error;
        if (!(e instanceof lib.GraphError) && name !== 'init') failures.push(`${where}: rejected with a non-GraphError: ${e}`);
        else if (e instanceof lib.GraphError) {
          if (!KINDS.includes(e.kind)) failures.push(`${where}: kind ${e.kind}`);
          stats.kinds[e.kind] = (stats.kinds[e.kind] || 0) + 1;
          try {
            structuredClone(e.toJSON());
            String(e);
          } catch (x) {
            failures.push(`${where}: toJSON()/String failed: ${x}`);
          }
        }
      } else stats.resolved++;
    };
    let n = 0;
    const lanes = Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < deadline && failures.length < 20) await one(n++);
    });
    await Promise.all(lanes);
  } finally {
    globalThis.fetch = realFetch;
  }
  await new Promise((r) => setTimeout(r, 20));
  process.off('unhandledRejection', onUnhandled);
  console.log(`fuzz: seed ${SEED}, ${stats.cases} cases, ${stats.resolved} resolved, rejected by kind ${JSON.stringify(stats.kinds)}`);
  assert.deepEqual(failures, []);
  assert.deepEqual(problems, []);
  assert.ok(stats.cases > 100, `only ${stats.cases} cases ran`);

  // Afterwards the package still works: a real call against the emulator.
  const stopEmulator = await privateEmulator();
  try {
    const ids = await freshJobs(2, 'Paused');
    const r = await settle(() => lib.startSynchronizationJob(TOKEN, ids.sp, ids.job, { baseUrl: emulator, timeoutMs: 10_000 }));
    assert.equal(resolved(r, 'start after the fuzz').status, 204);
    const bulk = await settle(() => lib.startSynchronizationJobs(TOKEN, ids.jobs.map((jobId) => ({ servicePrincipalId: ids.sp, jobId })), { baseUrl: emulator, timeoutMs: 10_000 }));
    resolved(bulk, 'bulk start after the fuzz', true);
  } finally {
    await stopEmulator();
  }
});
