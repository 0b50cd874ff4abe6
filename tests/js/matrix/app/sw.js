// A service worker (classic script, bundled by esbuild as IIFE) that starts a job when asked.
import { startSynchronizationJob, GraphError } from 'graph-sync-job';

self.addEventListener('message', (event) => {
  const { baseUrl, sp, job } = event.data;
  const reply = (r) => event.source.postMessage(r);
  event.waitUntil(
    (async () => {
      const result = {};
      try {
        await startSynchronizationJob('demo-token-readwrite', sp, job, { baseUrl });
        result.started = true;
        await startSynchronizationJob('demo-token-readwrite', sp, 'AppTemplate.00000000000000000000000000000000', { baseUrl });
      } catch (e) {
        result.error = { isGraphError: e instanceof GraphError, status: e.status, code: e.code };
      }
      reply(result);
    })(),
  );
});
