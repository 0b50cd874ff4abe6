// CommonJS twin of node-check.mjs (also the input of the Node-platform esbuild bundle).
const { startSynchronizationJob, GraphError } = require('graph-sync-job');

(async () => {
  const [baseUrl, sp, job] = process.argv.slice(2);
  const result = {};
  await startSynchronizationJob('demo-token-readwrite', sp, job, { baseUrl });
  result.started = true;
  try {
    await startSynchronizationJob('demo-token-readwrite', sp, 'AppTemplate.00000000000000000000000000000000', { baseUrl });
  } catch (e) {
    result.missing = { isGraphError: e instanceof GraphError, status: e.status };
  }
  console.log(JSON.stringify(result));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
