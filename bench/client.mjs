// Client speed, as ratios against baselines run in the same process against the same emulator:
// a hand-written fetch doing the same request (the floor), and Microsoft's Graph JS client.
// Run: make bench (or scripts/with-emulator.sh node bench/client.mjs). Not a test: no assertions on time.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const { startSynchronizationJob, GraphError } = require('../pkg/node.cjs');
const { Client, MiddlewareFactory } = require('@microsoft/microsoft-graph-client');

const base = process.env.GRAPH_EMULATOR_URL;
if (!base) throw new Error('GRAPH_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
const N = Number(process.env.BENCH_N ?? 2000);
const sp = randomUUID();
const job = `AppTemplate.${randomUUID().replaceAll('-', '')}`;
await fetch(`${base}/_emulator/servicePrincipals/${sp}/jobs/${job}`, {
  method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"code":"Active"}',
});
const path = `/beta/servicePrincipals/${sp}/synchronization/jobs/${job}/start`;

async function plainFetch(token) {
  const r = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'client-request-id': randomUUID() } });
  if (r.status !== 204) {
    const body = await r.text();
    let parsed;
    try { parsed = JSON.parse(body); } catch { /* not JSON */ }
    const e = new Error(parsed?.error?.message ?? `HTTP ${r.status}`);
    e.status = r.status;
    throw e;
  }
}
const ours = (token) => startSynchronizationJob(token, sp, job, { baseUrl: base, retry: { maxRetries: 0 } });

// Microsoft's client with its default middleware chain, made once per token as an app would. Its
// AuthenticationHandler sends tokens only to https Graph hosts, and the emulator is
// http://127.0.0.1, so that one handler is replaced by one that always sets the header.
function msClientFor(token) {
  const chain = MiddlewareFactory.getDefaultMiddlewareChain({ getAccessToken: async () => token });
  chain[0] = {
    async execute(context) {
      const value = `Bearer ${await Promise.resolve(token)}`;
      if (context.options.headers instanceof Headers) context.options.headers.set('Authorization', value);
      else context.options.headers = { ...context.options.headers, Authorization: value };
      return this.next.execute(context);
    },
    setNext(next) {
      this.next = next;
    },
  };
  return Client.initWithMiddleware({ middleware: chain, baseUrl: `${base}/`, defaultVersion: 'beta' });
}
const msClients = new Map(['demo-token-readwrite', 'demo-token-readonly'].map((t) => [t, msClientFor(t)]));
const msClient = (token) => msClients.get(token).api(path.replace('/beta', '')).post(undefined);

// Each contender must really start the job, and really get the 403: else the timings mean nothing.
for (const [name, fn] of [['plain fetch', plainFetch], ['graph-sync-job', ours], ['MS Graph client', msClient]]) {
  await fn('demo-token-readwrite');
  const status = await fn('demo-token-readonly').then(() => 'resolved', (e) => e.status ?? e.statusCode);
  if (status !== 403) throw new Error(`${name}: expected a 403 rejection, got ${status}`);
}

async function time(fn, token, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next++ < N) await fn(token).catch(() => {});
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - t0) / N;
}

// Warm up all three (JIT, wasm instantiation, connection pools), then interleave rounds.
for (const fn of [plainFetch, ours, msClient]) await time(fn, 'demo-token-readwrite', 4);
const rows = [];
for (const [label, token] of [['start, 204', 'demo-token-readwrite'], ['start, 403 error body', 'demo-token-readonly']]) {
  for (const c of [1, 16]) {
    const r = { plain: [], ours: [], ms: [] };
    for (let round = 0; round < 5; round++) {
      r.plain.push(await time(plainFetch, token, c));
      r.ours.push(await time(ours, token, c));
      r.ms.push(await time(msClient, token, c));
    }
    const med = (a) => a.sort((x, y) => x - y)[2];
    rows.push({ case: label, c, plain: med(r.plain), ours: med(r.ours), ms: med(r.ms) });
  }
}
let err;
try { await ours('demo-token-readonly'); } catch (e) { err = e; }
if (!(err instanceof GraphError) || err.status !== 403) throw new Error('benchmark sanity check failed');

console.log(`\nClient overhead, ${N} calls per cell, median of 5 interleaved rounds (Node ${process.version})\n`);
console.log('| case | concurrency | plain fetch µs/call | graph-sync-job µs/call | ratio to plain | MS Graph client µs/call | ratio to plain |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const us = (v) => (v * 1000).toFixed(0);
  console.log(`| ${r.case} | ${r.c} | ${us(r.plain)} | ${us(r.ours)} | ${(r.ours / r.plain).toFixed(2)} | ${us(r.ms)} | ${(r.ms / r.plain).toFixed(2)} |`);
}
