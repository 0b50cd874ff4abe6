// The smallest page a user would write: start a job, and see that a 404 is a GraphError.
// Built by every bundler of the consumer matrix (tests/js/matrix/consumers.mjs) without any setting.
import { startSynchronizationJob, GraphError } from 'graph-sync-job';

(async () => {
  const p = new URLSearchParams(location.search);
  const baseUrl = p.get('emulator');
  const result = {};
  try {
    await startSynchronizationJob('demo-token-readwrite', p.get('sp'), p.get('job'), { baseUrl });
    result.started = true;
  } catch (e) {
    result.started = false;
    result.startError = e && e.toJSON ? e.toJSON() : String(e);
  }
  try {
    await startSynchronizationJob('demo-token-readwrite', p.get('sp'), 'AppTemplate.00000000000000000000000000000000', { baseUrl });
    result.missing = 'resolved';
  } catch (e) {
    result.missing = { isGraphError: e instanceof GraphError, status: e.status, code: e.code, date: e.date };
  }
  document.getElementById('result').textContent = JSON.stringify(result);
})();
