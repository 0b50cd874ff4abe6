// A bundled app using the package as a portal would: import, call, show the outcome.
import { startSynchronizationJob, GraphError } from 'graph-sync-job';

const params = new URLSearchParams(location.search);
const out = document.getElementById('result');
const baseUrl = params.get('emulator');

async function run() {
  const results = {};
  await startSynchronizationJob('demo-token-readwrite', params.get('sp'), params.get('job'), {
    baseUrl,
    onResponse: (info) => (results.requestId = info.requestId),
  });
  results.started = true;
  try {
    await startSynchronizationJob('demo-token-readonly', params.get('sp'), params.get('job'), { baseUrl });
  } catch (e) {
    results.denied = { isGraphError: e instanceof GraphError, isError: e instanceof Error, className: e.constructor.name, shown: String(e), ...e.toJSON() };
  }
  results.worker = await new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => resolve(data);
    worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
    worker.postMessage({ baseUrl, sp: params.get('workerSp'), job: params.get('workerJob') });
  });
  return results;
}

const show = () =>
  run().then(
    (r) => (out.textContent = JSON.stringify(r)),
    (e) => (out.textContent = JSON.stringify({ failed: String(e), isGraphError: e instanceof GraphError, ...(e.toJSON ? e.toJSON() : {}) })),
  );
window.runAgain = show; // the test calls it again after a failed wasm load
show();
