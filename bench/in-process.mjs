// The wasm layer's own cost, without a network: the global fetch is replaced by a stand-in that
// answers at once (204, or a 403 Graph error body), and each call is compared, in the same process,
// with a hand-written fetch doing the same work. Run: make bench-client (or node bench/in-process.mjs).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { startSynchronizationJob } = require('../pkg/node.cjs');
const N = Number(process.env.BENCH_N ?? 20000);

const body = JSON.stringify({
  error: {
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
    innerError: { date: '2025-02-13T10:17:05', 'request-id': '93b6f17e-1111-4111-8111-111111111111', 'client-request-id': 'e70c5c1b-2222-4222-8222-222222222222' },
  },
});
const headers = {
  'content-type': 'application/json',
  'request-id': '93b6f17e-1111-4111-8111-111111111111',
  'client-request-id': 'e70c5c1b-2222-4222-8222-222222222222',
  date: new Date().toUTCString(),
  'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Emulator"}}',
};
let status = 204;
let fetched = 0;
globalThis.fetch = async () => {
  fetched++;
  return new Response(status === 204 ? null : body, { status, headers });
};
// A token as long as Entra's (a JWT of about 1.8 KB): its length is what redaction pays for.
const TOKEN = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${'x'.repeat(1700)}.signature`;

async function plain() {
  const r = await fetch('http://x', { method: 'POST', headers: { authorization: 'Bearer t', 'client-request-id': crypto.randomUUID() } });
  if (r.status !== 204) {
    const j = JSON.parse(await r.text());
    const e = new Error(j.error.message);
    e.status = r.status;
    throw e;
  }
}
const ours = () => startSynchronizationJob(TOKEN, 'sp', 'job', { retry: { maxRetries: 0 } });

// What is timed must be the call itself: one request each, resolved on 204, a GraphError on 403
// (a refused argument would settle without any request and time nothing).
for (const s of [204, 403]) {
  status = s;
  fetched = 0;
  const outcome = await ours().then((v) => v, (e) => e);
  const ok = s === 204 ? outcome && outcome.status === 204 : outcome && outcome.name === 'GraphError' && outcome.status === 403;
  if (!ok || fetched !== 1) throw new Error(`in-process bench: a ${s} call did not do what is timed (${fetched} requests, ${JSON.stringify(outcome)})`);
}

async function time(fn) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn().catch(() => {});
  return ((performance.now() - t0) / N) * 1000;
}

console.log(`\nIn-process cost per call, no network, ${N} calls, median of 5 interleaved rounds\n`);
console.log('| answer | hand-written fetch µs | graph-sync-job µs | added by graph-sync-job µs |');
console.log('|---|---|---|---|');
for (const s of [204, 403]) {
  status = s;
  const p = [], o = [];
  for (let round = 0; round < 5; round++) {
    p.push(await time(plain));
    o.push(await time(ours));
  }
  const med = (a) => a.sort((x, y) => x - y)[2];
  console.log(`| ${s} | ${med(p).toFixed(1)} | ${med(o).toFixed(1)} | ${(med(o) - med(p)).toFixed(1)} |`);
}
