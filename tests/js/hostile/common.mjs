// Shared by tests/js/hostile.test.mjs and tests/js/fuzz.test.mjs: the exports as one table, the
// emulator's control API, and settling a call with a bound.
import assert from 'node:assert/strict';
import { control as controlAt } from '../../support/emulator.mjs';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export const TOKEN = 'demo-token-readwrite';

/**
 * The emulator these suites use: a private one (target/debug/graph-emulator on 127.0.0.1, started by
 * privateEmulator()), so their faults, resets and request-log checks never meet another suite's
 * requests when node --test runs files in parallel; else GRAPH_EMULATOR_URL.
 */
export let emulator = process.env.GRAPH_EMULATOR_URL;

/** Starts a private graph-emulator; returns its stop(). Falls back to GRAPH_EMULATOR_URL without the binary. */
export async function privateEmulator() {
  const bin = new URL('../../../target/debug/graph-emulator', import.meta.url).pathname;
  if (!existsSync(bin)) {
    assert.ok(emulator, 'no target/debug/graph-emulator and no GRAPH_EMULATOR_URL');
    return async () => {};
  }
  const child = spawn(bin, ['--bind', '127.0.0.1', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const url = line.replace(/^listening on /, '');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  emulator = url;
  // Whatever ends this process (an uncaught error included), the emulator goes with it.
  const orphan = () => child.kill('SIGTERM');
  process.once('exit', orphan);
  return async () => {
    process.off('exit', orphan);
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  };
}

/** `METHOD {emulator}/_emulator{path}`, through the real fetch even while a test stubs it. */
export const control = (method, path, body) => controlAt(emulator, method, path, body);

/** Graph requests the emulator has recorded since the last clearRequests(). */
export async function recorded() {
  return (await control('GET', '/requests')).requests;
}
export const clearRequests = () => control('DELETE', '/requests');

/** A fresh service principal with `n` jobs in state `code`. */
export async function freshJobs(n = 1, code = 'Active') {
  const sp = randomUUID();
  const jobs = [];
  for (let i = 0; i < n; i++) {
    const job = `Hostile.${randomUUID().replaceAll('-', '')}`;
    await control('PUT', `/servicePrincipals/${sp}/jobs/${job}`, { code, cycle: { durationMs: 600_000 } });
    jobs.push(job);
  }
  return { sp, job: jobs[0], jobs };
}

/**
 * Every export, called the same way: `call(lib, token, ids, options)`; `ids` is { sp, job, jobs }
 * (bulk calls take every job of ids). `extra` is what the export needs to finish promptly on a
 * healthy job (wait: until 'active').
 */
export const EXPORTS = [
  { name: 'getSynchronizationJob', call: (l, t, i, o) => l.getSynchronizationJob(t, i.sp, i.job, o) },
  { name: 'listSynchronizationJobs', call: (l, t, i, o) => l.listSynchronizationJobs(t, i.sp, o) },
  { name: 'startSynchronizationJob', call: (l, t, i, o) => l.startSynchronizationJob(t, i.sp, i.job, o) },
  { name: 'pauseSynchronizationJob', call: (l, t, i, o) => l.pauseSynchronizationJob(t, i.sp, i.job, o) },
  { name: 'restartSynchronizationJob', call: (l, t, i, o) => l.restartSynchronizationJob(t, i.sp, i.job, o) },
  {
    name: 'waitForSynchronizationJob', extra: { until: 'active', pollIntervalMs: 1000 },
    call: (l, t, i, o) => l.waitForSynchronizationJob(t, i.sp, i.job, o),
  },
  ...['start', 'pause', 'restart'].map((verb) => ({
    name: `${verb}SynchronizationJobs`, bulk: true,
    call: (l, t, i, o) => l[`${verb}SynchronizationJobs`](t, (i.jobs || [i.job]).map((jobId) => ({ servicePrincipalId: i.sp, jobId })), o),
  })),
];

/** Options for export `x`: `extra` first, then `o` (when `o` is a plain object). */
export const optionsFor = (x, o) => ({ ...(x.extra || {}), ...o });

/**
 * Calls `f` and waits at most `ms` for it to settle: { value } | { error } | { hung: true } |
 * { threw } (a synchronous throw, which no export may do).
 */
export async function settle(f, ms = 10_000) {
  let p;
  try {
    p = f();
  } catch (threw) {
    return { threw };
  }
  if (!(p instanceof Promise)) return { threw: new Error(`returned ${typeof p}, not a Promise`) };
  let timer;
  const hung = new Promise((resolve) => { timer = setTimeout(() => resolve({ hung: true }), ms); });
  try {
    return await Promise.race([p.then((value) => ({ value }), (error) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** A call that settled by rejecting with a GraphError; returns the error. */
export function rejected(r, what) {
  assert.ok(!r.hung, `${what}: did not settle`);
  assert.ok(!r.threw, `${what}: threw synchronously: ${r.threw}`);
  assert.ok('error' in r, `${what}: resolved (${JSON.stringify(r.value)?.slice(0, 200)}), expected a rejection`);
  assert.equal(r.error?.name, 'GraphError', `${what}: rejected with ${r.error}`);
  return r.error;
}

/** A call that resolved; for a bulk export, every item ok. Returns the value. */
export function resolved(r, what, bulk = false) {
  assert.ok(!r.hung, `${what}: did not settle`);
  assert.ok(!r.threw, `${what}: threw synchronously: ${r.threw}`);
  assert.ok(!('error' in r), `${what}: rejected: ${r.error?.kind} ${r.error?.code} ${r.error?.message}`);
  if (bulk) for (const item of r.value) assert.ok(item.ok, `${what}: item failed: ${item.error?.message}`);
  return r.value;
}
