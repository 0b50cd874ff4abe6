// The package inside a module worker: no window, only the global fetch.
import { startSynchronizationJob, GraphError } from 'graph-sync-job';

self.onmessage = async ({ data: { baseUrl, sp, job } }) => {
  const result = { hasWindow: typeof window !== 'undefined' };
  try {
    await startSynchronizationJob('demo-token-readwrite', sp, job, { baseUrl });
    result.started = true;
    await startSynchronizationJob('demo-token-readonly', sp, job, { baseUrl });
  } catch (e) {
    result.error = { isGraphError: e instanceof GraphError, ...e.toJSON() };
  }
  self.postMessage(result);
};
