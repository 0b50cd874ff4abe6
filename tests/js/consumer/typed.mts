// Type-checked by `tsc --noEmit` against the packed package: the API must be typed exactly.
import {
  startSynchronizationJob, pauseSynchronizationJob, restartSynchronizationJob, getSynchronizationJob,
  listSynchronizationJobs, startSynchronizationJobs, restartSynchronizationJobs, waitForSynchronizationJob, GraphError,
} from 'graph-sync-job';
import type {
  ActionResult, BulkItemResult, GraphErrorKind, StartOptions, SynchronizationJob, SynchronizationStatusCode,
  TokenCredentialLike, RetryInfo,
} from 'graph-sync-job';

const controller = new AbortController();
const options: StartOptions = {
  cloud: 'usGov',
  apiVersion: 'v1.0',
  signal: controller.signal,
  timeoutMs: 30_000,
  retry: { maxRetries: 3, maxDelayMs: 60_000 },
  onRetry: ({ attempt, delayMs, error }: RetryInfo) => console.log(attempt, delayMs, error.status),
  onResponse: ({ requestId, attempts }) => console.log(requestId, attempts),
};

const credential: TokenCredentialLike = { getToken: async () => ({ token: 't', expiresOnTimestamp: 0 }) };

export async function run(): Promise<void> {
  const done: Promise<ActionResult> = startSynchronizationJob('token', 'sp', 'job', options);
  const r = await done;
  const skipped: boolean = r.skipped;
  const was: SynchronizationStatusCode | undefined = r.jobStatus;
  await pauseSynchronizationJob('token', 'sp', 'job', { ifStatus: ['Active'] });
  await restartSynchronizationJob('token', 'sp', 'job', { resetScope: ['Watermark', 'Escrows'] });
  const job: SynchronizationJob = await getSynchronizationJob('token', 'sp', 'job');
  const code: SynchronizationStatusCode = job.status.code;
  const jobs: SynchronizationJob[] = await listSynchronizationJobs('token', 'sp');
  const items: BulkItemResult[] = await startSynchronizationJobs('token', [{ servicePrincipalId: 'sp', jobId: 'j' }], {
    concurrency: 4,
    onProgress: ({ done: d, total }) => console.log(d, total),
  });
  await restartSynchronizationJobs('token', [], { resetScope: ['Full'] });
  const waited = await waitForSynchronizationJob('token', 'sp', 'job', { until: 'steadyState', pollIntervalMs: 5000, onProgress: (j) => j.status.progress });
  console.log(skipped, was, code, jobs.length, items[0]?.error?.hint, waited.status.lastExecution?.state);
  await startSynchronizationJob(async () => 'token', 'sp', 'job');
  await startSynchronizationJob(credential, 'sp', 'job', { baseUrl: 'http://127.0.0.1:1' });
  try {
    await startSynchronizationJob('token', 'sp', 'job');
  } catch (e) {
    if (e instanceof GraphError) {
      const kind: GraphErrorKind = e.kind;
      const status: number = e.status;
      const retry: number | undefined = e.retryAfterMs;
      const json = e.toJSON();
      const name: 'GraphError' = json.name;
      console.log(kind, status, retry, e.requestId, e.clientRequestId, e.innerErrors.length, e.headers['request-id'], name);
      if (e.kind === 'http' && e.code === 'Authorization_RequestDenied') console.log(e.message);
    }
  }
}

// Each line below must be a type error; tsc fails on an unused @ts-expect-error.
// @ts-expect-error apiVersion is "beta" | "v1.0"
startSynchronizationJob('t', 'sp', 'job', { apiVersion: 'v2' });
// @ts-expect-error cloud is one of four names
startSynchronizationJob('t', 'sp', 'job', { cloud: 'mars' });
// @ts-expect-error the service principal id is a string
startSynchronizationJob('t', 42, 'job');
// @ts-expect-error a token is a string, a function or a credential
startSynchronizationJob(7, 'sp', 'job');
// @ts-expect-error the call resolves to an ActionResult
const n: Promise<number> = startSynchronizationJob('t', 'sp', 'job');
// @ts-expect-error None is refused: Graph's docs say not to use it
restartSynchronizationJob('t', 'sp', 'job', { resetScope: ['None'] });
// @ts-expect-error resetScope belongs to restart
startSynchronizationJob('t', 'sp', 'job', { resetScope: ['Full'] });
// @ts-expect-error until is one of three names
waitForSynchronizationJob('t', 'sp', 'job', { until: 'finished' });
// @ts-expect-error jobs are { servicePrincipalId, jobId }
startSynchronizationJobs('t', [{ sp: 'x', job: 'y' }]);
declare const err: GraphError;
// @ts-expect-error kind is a closed union
const k: 'oops' = err.kind;
void n;
void k;
