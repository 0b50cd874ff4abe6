// Entry for browsers, workers and bundlers: loads the WebAssembly on the first call, so users
// never call an init function. The .wasm is referenced with new URL(..., import.meta.url),
// which bundlers (Vite, webpack 5, Rollup, esbuild with a loader) emit as an asset.
import init, { startSynchronizationJob as start } from './web/graph_sync_job.js';
import { GraphError } from './web/__SNIPPET__';

export { GraphError };

let ready;

function load() {
  ready ??= init().catch((cause) => {
    ready = undefined; // a later call may try again (e.g. after going back online)
    throw new GraphError(
      { kind: 'network', code: 'wasmLoadFailed', message: 'The graph-sync-job WebAssembly module could not be loaded.' },
      { cause },
    );
  });
  return ready;
}

export async function startSynchronizationJob(token, servicePrincipalId, jobId, options) {
  await load();
  return start(token, servicePrincipalId, jobId, options);
}
