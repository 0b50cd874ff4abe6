// Issue #12, class 10, in a process of its own: one AbortSignal shared by many calls. Kept apart
// from hostile.test.mjs because Node 20.20's V8 aborts the process (a fatal error in
// Deoptimizer::DoComputeBuiltinContinuation) in about half the runs when this case follows the
// rest of that suite's ~300 calls; alone it passes, and on Node 22 the whole suite passes
// (README "Robustness and soak"). Needs GRAPH_EMULATOR_URL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { installPackage } from './hostile/package.mjs';
import { emulator, control, freshJobs, EXPORTS, optionsFor, settle, rejected, resolved, TOKEN } from './hostile/common.mjs';

assert.ok(emulator, 'GRAPH_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
const { lib, cleanup } = await installPackage('shared-signal');
const quick = { retry: { maxRetries: 0 }, timeoutMs: 10_000 };
after(() => cleanup());

test('10. one AbortSignal shared by 20 concurrent calls of each export: no MaxListenersExceededWarning', async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const ids = await freshJobs(2);
    for (const make of [() => new AbortController().signal, () => AbortSignal.timeout(60_000), () => AbortSignal.any([new AbortController().signal])]) {
      const signal = make();
      for (let round = 0; round < 2; round++) {
        for (const x of EXPORTS) {
          const results = await Promise.all(Array.from({ length: 20 }, () =>
            settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick, signal })))));
          for (const r of results) resolved(r, x.name, x.bulk);
          assert.ok(getEventListeners(signal, 'abort').length <= 1, `${getEventListeners(signal, 'abort').length} abort listeners`);
        }
      }
    }
    // All 20 in flight when the shared signal fires: every one rejects aborted, promptly.
    for (const x of EXPORTS) {
      const ids2 = await freshJobs(2);
      await control('POST', '/faults', { count: 100, match: { pathContains: ids2.sp }, fault: { kind: 'delay', ms: 2_000 } });
      const controller = new AbortController();
      const pending = Array.from({ length: 20 }, () =>
        settle(() => x.call(lib, TOKEN, ids2, optionsFor(x, { baseUrl: emulator, ...quick, signal: controller.signal })), 5_000));
      setTimeout(() => controller.abort(new Error('stop')), 50);
      const t0 = Date.now();
      for (const r of await Promise.all(pending)) assert.equal(rejected(r, x.name).kind, 'aborted');
      assert.ok(Date.now() - t0 < 1_500, `${x.name}: aborted in ${Date.now() - t0} ms`);
    }
    await control('DELETE', '/faults');
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.filter((w) => w.includes('MaxListeners')), []);
});
