// Type-checked by `tsc --noEmit` against the packed package: the API must be typed exactly.
import { startSynchronizationJob, GraphError } from 'graph-sync-job';
import type { GraphErrorKind, StartOptions, TokenCredentialLike, RetryInfo } from 'graph-sync-job';

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
  const done: Promise<void> = startSynchronizationJob('token', 'sp', 'job', options);
  await done;
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
// @ts-expect-error the call resolves to nothing
const n: Promise<number> = startSynchronizationJob('t', 'sp', 'job');
declare const err: GraphError;
// @ts-expect-error kind is a closed union
const k: 'oops' = err.kind;
void n;
void k;
