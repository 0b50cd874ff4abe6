// Issue #9 figures (not a test: it prints, it asserts nothing on time). Against graph-emulator
// (GRAPH_EMULATOR_URL; make bench runs it through scripts/with-emulator.sh):
//  1. with 50 ms of latency on every Graph answer, 1,000 starts across 50 service principals,
//     once through startSynchronizationJobs and once as 1,000 startSynchronizationJob calls with
//     the same number of requests in flight: requests sent (the emulator's request log) and wall
//     time of each, and the ratio;
//  2. with the emulator throttling each token to 50 requests/s, 500 starts through
//     startSynchronizationJobs, with the default options and with retry.maxRetries 10: how many
//     ok and failed, and the time against the throttle's floor.
// BULK_CONCURRENCY (default "4 20") chooses the requests in flight.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = process.env.GSJ_PKG_DIR || join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'pkg');
const { startSynchronizationJob, startSynchronizationJobs } = require(join(pkgDir, 'node.cjs'));

const base = process.env.GRAPH_EMULATOR_URL;
if (!base) throw new Error('GRAPH_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
const TOKEN = 'demo-token-readwrite';
const CONCURRENCY = (process.env.BULK_CONCURRENCY || '4 20').split(/\s+/).map(Number);

async function control(method, path, body) {
  const r = await fetch(`${base}/_emulator${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (r.status >= 300) throw new Error(`control ${method} ${path}: ${r.status} ${await r.text()}`);
  const t = await r.text();
  return t ? JSON.parse(t) : null;
}

/** `sps` service principals with `perSp` jobs each, all NotRun (created through the control API). */
async function makeJobs(sps, perSp) {
  const items = [];
  for (let s = 0; s < sps; s++) {
    const sp = randomUUID();
    for (let j = 0; j < perSp; j++) items.push({ servicePrincipalId: sp, jobId: `Bench.${randomUUID().replaceAll('-', '')}` });
  }
  await setState(items, 'NotRun');
  return items;
}

/** Puts every job back in `code`, 32 control requests at a time (control answers never wait). */
async function setState(items, code) {
  for (let i = 0; i < items.length; i += 32) {
    await Promise.all(items.slice(i, i + 32).map((it) =>
      control('PUT', `/servicePrincipals/${it.servicePrincipalId}/jobs/${it.jobId}`, { code, cycle: { durationMs: 3_600_000 } })));
  }
}

async function graphRequests() {
  const { requests } = await control('GET', '/requests');
  return requests.filter((r) => r.method !== 'OPTIONS').length;
}

async function timed(f) {
  await control('DELETE', '/requests');
  const t0 = performance.now();
  const out = await f();
  const ms = performance.now() - t0;
  return { out, ms, requests: await graphRequests() };
}

/** 1,000 single calls, `inFlight` at a time. */
async function singles(items, inFlight, options) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await startSynchronizationJob(TOKEN, items[i].servicePrincipalId, items[i].jobId, options);
        results[i] = { ok: true };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  }));
  return results;
}

const summary = (results) => {
  const ok = results.filter((r) => r.ok).length;
  const skipped = results.filter((r) => r.skipped).length;
  return { ok, failed: results.length - ok - skipped, skipped };
};

await control('POST', '/reset');
console.log('bulk: 1,000 starts across 50 service principals, emulator latency 50 ms');
await control('POST', '/latency', { ms: 50 });
const items = await makeJobs(50, 20);
const rows = [];
for (const c of CONCURRENCY) {
  await setState(items, 'NotRun');
  const bulk = await timed(() => startSynchronizationJobs(TOKEN, items, { baseUrl: base, concurrency: c }));
  await setState(items, 'NotRun');
  const single = await timed(() => singles(items, c, { baseUrl: base }));
  const b = summary(bulk.out);
  const s = summary(single.out);
  rows.push({ c, bulk, single, b, s });
  console.log(`  in flight ${c}: startSynchronizationJobs ${bulk.requests} requests, ${(bulk.ms / 1000).toFixed(2)} s (ok ${b.ok}, failed ${b.failed});`
    + ` 1,000 x startSynchronizationJob ${single.requests} requests, ${(single.ms / 1000).toFixed(2)} s (ok ${s.ok}, failed ${s.failed});`
    + ` ${(single.ms / bulk.ms).toFixed(1)}x faster, ${(single.requests / bulk.requests).toFixed(1)}x fewer requests`);
}
await control('POST', '/latency', { ms: 0 });

const throttledRows = [];
for (const [label, retry] of [['default options', undefined], ['retry.maxRetries 10', { maxRetries: 10 }]]) {
  console.log(`bulk: 500 starts through startSynchronizationJobs (${label}), emulator throttling 50 requests/s per token (burst 50), latency 0`);
  const throttled = await makeJobs(25, 20);
  await control('POST', '/throttle', { requestsPerSecond: 50, burst: 50 });
  // The bucket starts full (50); the floor is then (500 - 50) / 50 = 9 s.
  await new Promise((r) => setTimeout(r, 1100));
  let retries = 0;
  const t = await timed(() => startSynchronizationJobs(TOKEN, throttled, { baseUrl: base, retry, onRetry: () => { retries++; } }));
  await control('DELETE', '/throttle');
  const ts = summary(t.out);
  const floor = (throttled.length - 50) / 50;
  const statuses = {};
  for (const r of t.out) {
    const k = r.status ?? r.error?.status ?? 'none';
    statuses[k] = (statuses[k] || 0) + 1;
  }
  console.log(`  ${throttled.length} starts: ok ${ts.ok}, failed ${ts.failed}, skipped ${ts.skipped}; item statuses ${JSON.stringify(statuses)};`
    + ` ${(t.ms / 1000).toFixed(2)} s against a floor of ${floor.toFixed(1)} s (${((t.ms / 1000 / floor - 1) * 100).toFixed(0)}% over);`
    + ` ${t.requests} HTTP requests ($batch), onRetry called ${retries} times`);
  const failed = t.out.filter((r) => !r.ok).slice(0, 2).map((r) => `${r.error?.status} ${r.error?.code} ${r.error?.message}`);
  if (failed.length) console.log(`  first failures: ${failed.join(' | ')}`);
  throttledRows.push({ label, ok: ts.ok, failed: ts.failed, ms: Math.round(t.ms), floorMs: floor * 1000, requests: t.requests });
}
console.log(JSON.stringify({ rows: rows.map((r) => ({ inFlight: r.c, bulkRequests: r.bulk.requests, bulkMs: Math.round(r.bulk.ms), singleRequests: r.single.requests, singleMs: Math.round(r.single.ms), bulkOk: r.b.ok, singleOk: r.s.ok })), throttled: throttledRows }));
