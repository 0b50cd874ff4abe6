// Soak (make bench; not a test: it prints figures and exits 1 only if a call never settles or
// settles with something other than a value or a GraphError). Against graph-emulator
// (GRAPH_EMULATOR_URL): a burst of SOAK_CONCURRENT (10,000) calls all in flight at once, then
// SOAK_SEQUENTIAL (20,000) calls one after another, each mixing successes, Graph errors (404s and
// injected 500s), throttling (429 then success), aborts (before and during the call) and
// timeouts (a slow answer and a short timeoutMs), over every export. Reports the outcome counts,
// time, and the WebAssembly memory after each burst (read from the wasm-bindgen module the Node
// entry loads, node/graph_sync_job.cjs, whose initSync() returns the instance's exports once
// loaded); the memory after the second burst should equal the memory after the first.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = process.env.GSJ_PKG_DIR || join(new URL('.', import.meta.url).pathname, '..', 'pkg');
const lib = require(join(pkgDir, 'node.cjs'));
const base = process.env.GRAPH_EMULATOR_URL;
if (!base) throw new Error('GRAPH_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
const CONCURRENT = Number(process.env.SOAK_CONCURRENT || 10_000);
const SEQUENTIAL = Number(process.env.SOAK_SEQUENTIAL || 20_000);
const SETTLE_BOUND_MS = 120_000; // a burst that has not settled by then is reported as hung
const TOKEN = 'demo-token-readwrite';

async function control(method, path, body) {
  const r = await fetch(`${base}/_emulator${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (r.status >= 300) throw new Error(`control ${method} ${path}: ${r.status} ${await r.text()}`);
  const t = await r.text();
  return t ? JSON.parse(t) : null;
}

// Service principals whose URLs the faults below match.
const ok = { sp: randomUUID(), jobs: [] };
const failing = { sp: `soak-fail-${randomUUID()}`, jobs: [] };
const slow = { sp: `soak-slow-${randomUUID()}`, jobs: [] };
const throttled = { sp: `soak-429-${randomUUID()}`, jobs: [] };

async function setup() {
  await control('POST', '/reset');
  for (const g of [ok, failing, slow, throttled]) {
    for (let i = 0; i < 4; i++) {
      const job = `Soak.${randomUUID().replaceAll('-', '')}`;
      await control('PUT', `/servicePrincipals/${g.sp}/jobs/${job}`, { code: 'Active', cycle: { durationMs: 86_400_000 } });
      g.jobs.push(job);
    }
  }
  // Enough faults for every burst: every request to `failing` gets a 500, to `slow` waits 2 s,
  // to `throttled` gets a 429 with Retry-After 0 (retried once, then the call fails with it).
  await control('POST', '/faults', { count: 1_000_000, match: { pathContains: failing.sp }, fault: { kind: 'status', status: 500 } });
  await control('POST', '/faults', { count: 1_000_000, match: { pathContains: slow.sp }, fault: { kind: 'delay', ms: 2_000 } });
  await control('POST', '/faults', { count: 1_000_000, match: { pathContains: throttled.sp }, fault: { kind: 'status', status: 429, retryAfter: '0' } });
}

const rand = (n) => Math.floor(Math.random() * n);
const pick = (a) => a[rand(a.length)];

/** One call of a random kind: returns [kind, promise]. */
function oneCall() {
  const r = Math.random();
  const opts = { baseUrl: base, retry: { maxRetries: 1, baseDelayMs: 1 } };
  const act = pick(['start', 'pause', 'restart', 'get', 'list', 'bulk']);
  const call = (g, o) => {
    const job = pick(g.jobs);
    switch (act) {
      case 'start': return lib.startSynchronizationJob(TOKEN, g.sp, job, o);
      case 'pause': return lib.pauseSynchronizationJob(TOKEN, g.sp, job, o);
      case 'restart': return lib.restartSynchronizationJob(TOKEN, g.sp, job, o);
      case 'get': return lib.getSynchronizationJob(TOKEN, g.sp, job, o);
      case 'list': return lib.listSynchronizationJobs(TOKEN, g.sp, o);
      default: return lib.startSynchronizationJobs(TOKEN, g.jobs.map((jobId) => ({ servicePrincipalId: g.sp, jobId })), o);
    }
  };
  if (r < 0.45) return ['success', call(ok, opts)];
  if (r < 0.52) return ['not found', call({ sp: randomUUID(), jobs: ['Soak.missing'] }, opts)];
  if (r < 0.60) return ['500', call(failing, opts)];
  if (r < 0.67) return ['429', call(throttled, opts)];
  if (r < 0.75) return ['aborted before', call(ok, { ...opts, signal: AbortSignal.abort(new Error('soak')) })];
  if (r < 0.85) {
    const c = new AbortController();
    const p = call(slow, { ...opts, signal: c.signal });
    setTimeout(() => c.abort(new Error('soak')), rand(5));
    return ['aborted during', p];
  }
  if (r < 0.95) return ['timeout', call(slow, { ...opts, timeoutMs: 1 + rand(5) })];
  return ['refused', call({ sp: 'a\uD800b', jobs: ['x'] }, opts)];
}

function record(stats, kind, outcome) {
  const key = `${kind} -> ${outcome}`;
  stats[key] = (stats[key] || 0) + 1;
}

const settleOf = (p) => p.then(
  (v) => (Array.isArray(v) && v.length && v.every((i) => typeof i.ok === 'boolean') ? (v.every((i) => i.ok) ? 'ok' : `items failed (${v.find((i) => !i.ok).error?.kind})`) : 'ok'),
  (e) => (e instanceof lib.GraphError ? e.kind : `NOT A GraphError: ${e}`),
);

function wasmMemory() {
  const exports = require(join(pkgDir, 'node', 'graph_sync_job.cjs')).initSync();
  // The memory export's name is wasm-opt's short one: found by what it is.
  return Object.values(exports).find((v) => v instanceof WebAssembly.Memory).buffer.byteLength;
}

async function burst(name, n, concurrent) {
  const stats = {};
  let settled = 0;
  const t0 = performance.now();
  let timer;
  const bound = new Promise((resolve) => { timer = setTimeout(resolve, SETTLE_BOUND_MS); });
  if (concurrent) {
    const all = Array.from({ length: n }, () => {
      const [kind, p] = oneCall();
      return settleOf(p).then((outcome) => { settled++; record(stats, kind, outcome); });
    });
    await Promise.race([Promise.all(all), bound]);
  } else {
    const run = (async () => {
      for (let i = 0; i < n; i++) {
        const [kind, p] = oneCall();
        const outcome = await settleOf(p);
        settled++;
        record(stats, kind, outcome);
      }
    })();
    await Promise.race([run, bound]);
  }
  clearTimeout(timer);
  const ms = performance.now() - t0;
  const memory = wasmMemory();
  const mu = process.memoryUsage();
  console.log(`soak: ${name}: ${settled}/${n} settled in ${(ms / 1000).toFixed(1)} s; wasm memory ${memory} B;`
    + ` RSS ${(mu.rss / 2 ** 20).toFixed(0)} MiB, JS heap ${(mu.heapUsed / 2 ** 20).toFixed(0)} MiB`);
  for (const [k, v] of Object.entries(stats).sort()) console.log(`  ${k}: ${v}`);
  return { settled, n, ms, memory, stats, rss: mu.rss };
}

await setup();
await lib.init();
const before = wasmMemory();
console.log(`soak: wasm memory after load ${before} B`);
const first = await burst(`${CONCURRENT.toLocaleString('en')} concurrent calls`, CONCURRENT, true);
const second = await burst(`${SEQUENTIAL.toLocaleString('en')} sequential calls`, SEQUENTIAL, false);
await control('DELETE', '/faults');
const bad = [first, second].some((b) => b.settled !== b.n || Object.keys(b.stats).some((k) => k.includes('NOT A GraphError')));
console.log(`soak: wasm memory after load ${before} B, after the first burst ${first.memory} B, after the second ${second.memory} B:`
  + ` ${second.memory === first.memory ? 'unchanged' : 'CHANGED'} after the first burst`);
console.log(JSON.stringify({ before, first: first.memory, second: second.memory, firstMs: Math.round(first.ms), secondMs: Math.round(second.ms) }));
if (bad) {
  console.log('soak: FAILED: a call did not settle, or settled with something other than a value or a GraphError');
  process.exitCode = 1;
}
