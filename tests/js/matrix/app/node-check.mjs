// Node, Deno and Bun: start a job, then a 404 is a GraphError. Prints one JSON line.
import { startSynchronizationJob, GraphError } from 'graph-sync-job';

const [baseUrl, sp, job] = (globalThis.Deno ? Deno.args : process.argv.slice(2));
const result = {};
await startSynchronizationJob('demo-token-readwrite', sp, job, { baseUrl });
result.started = true;
try {
  await startSynchronizationJob('demo-token-readwrite', sp, 'AppTemplate.00000000000000000000000000000000', { baseUrl });
} catch (e) {
  result.missing = { isGraphError: e instanceof GraphError, status: e.status };
}
console.log(JSON.stringify(result));
