// Hand-written: wasm-bindgen would type every argument as `any` and cannot express the
// GraphError class, the `kind` union or the token-source shapes.

/** A national cloud, shorthand for its Graph root. */
export type GraphCloud = 'global' | 'usGov' | 'usGovDoD' | 'china';

/** Why a call failed. */
export type GraphErrorKind = 'http' | 'network' | 'aborted' | 'timeout' | 'invalidArgument' | 'token' | 'jobFailed';

/** A function returning an access token (e.g. wrapping MSAL's acquireTokenSilent). */
export type TokenFunction = () =>
  | string
  | { accessToken: string }
  | { token: string }
  | PromiseLike<string | { accessToken: string } | { token: string }>;

/** An @azure/identity TokenCredential, or anything with the same getToken. */
export interface TokenCredentialLike {
  getToken(scopes: string | string[], options?: unknown): PromiseLike<{ token: string } | null> | { token: string } | null;
}

export type TokenSource = string | TokenFunction | TokenCredentialLike;

export interface RetryOptions {
  /** Retries after the first attempt, for 429, 503, 504 and failures before any response. Default 3, at most 10. */
  maxRetries?: number;
  /** Longest single wait in ms. A longer Retry-After rejects at once (retryAfterMs set). Default 60000, at most 600000. */
  maxDelayMs?: number;
  /** First backoff step in ms when the server sent no Retry-After; doubles each retry, with jitter. Default 1000. */
  baseDelayMs?: number;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  /** How long the call waits before that retry. */
  delayMs: number;
  /** The failure being retried. */
  error: GraphError;
}

export interface ResponseInfo {
  status: number;
  requestId?: string;
  clientRequestId: string;
  attempts: number;
  headers: Record<string, string>;
}

/** Options every call takes. An option name a call does not know is refused (invalidArgument, "did you mean ...?"). */
export interface CallOptions {
  /** Graph root, default https://graph.microsoft.com (a trailing slash is fine). Not with `cloud`. */
  baseUrl?: string;
  /** Shorthand for the Graph root of a national cloud. Not with `baseUrl`. */
  cloud?: GraphCloud;
  /** Default "beta". */
  apiVersion?: 'beta' | 'v1.0';
  /** The scopes a TokenCredential is asked for; default `[{root}/.default]` of the Graph root. */
  scopes?: string[];
  /** Cancels the request and any wait; the call rejects with kind "aborted" and the signal's reason as cause. */
  signal?: AbortSignal;
  /** One deadline in ms over the whole call, retries and waits included; past it, kind "timeout".
   * Default 120000 (24 hours for waitForSynchronizationJob), at most 86400000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Called before each wait. What it throws or rejects with is ignored. */
  onRetry?: (info: RetryInfo) => unknown;
  /** Called after each successful answer, with Graph's request id. What it throws or rejects with is ignored. */
  onResponse?: (info: ResponseInfo) => unknown;
  /** The client-request-id sent on every attempt; default a fresh GUID per call. */
  clientRequestId?: string;
}

/** `status.code` of a synchronization job. */
export type SynchronizationStatusCode = 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine';

/** What a restart resets. `None` and `ConnectorDataStore` are refused: Graph's documentation says not to use them. */
export type ResetScope = 'Watermark' | 'Escrows' | 'QuarantineState' | 'Full' | 'ForceDeletes';

export interface ActionOptions extends CallOptions {
  /** Read the job first and act only when its status.code is one of these; otherwise resolve
   * `{ skipped: true, jobStatus }` and send no POST. Recommended for a scheduled start: ['Paused', 'Quarantine']. */
  ifStatus?: SynchronizationStatusCode[];
}

/** @deprecated Use ActionOptions. */
export type StartOptions = ActionOptions;

export interface RestartOptions extends ActionOptions {
  /** Sent as {"criteria":{"resetScope":"Watermark, Escrows"}}; without it, no criteria (the portal's Restart). */
  resetScope?: ResetScope[];
}

/** What start, pause and restart resolve with. */
export interface ActionResult {
  /** True when `ifStatus` did not list the job's state: nothing was sent but the read. */
  skipped: boolean;
  /** The action's status (204); absent when skipped. */
  status?: number;
  /** Graph's request-id of the last answer. */
  requestId?: string;
  clientRequestId: string;
  /** Requests sent, the read for ifStatus included. */
  attempts: number;
  /** The job's status.code as read, when ifStatus was given. */
  jobStatus?: SynchronizationStatusCode;
}

/** A task execution (`lastExecution`, `lastSuccessfulExecution`, ...). */
export interface SynchronizationTaskExecution {
  activityIdentifier?: string | null;
  state?: 'Succeeded' | 'Failed' | 'EntryLevelErrors' | (string & {}) | null;
  timeBegan?: string | null;
  timeEnded?: string | null;
  error?: { code?: string; message?: string; tenantActionable?: boolean; [key: string]: unknown } | null;
  countEntitled?: number;
  countEntitledForProvisioning?: number;
  countEscrowed?: number;
  countEscrowedRaw?: number;
  countExported?: number;
  countExports?: number;
  countImported?: number;
  countImportedDeltas?: number;
  countImportedReferenceDeltas?: number;
  [key: string]: unknown;
}

export interface SynchronizationProgress {
  completedUnits?: number;
  totalUnits?: number;
  units?: string;
  progressObservationDateTime?: string;
  [key: string]: unknown;
}

export type QuarantineReason =
  | 'EncounteredBaseEscrowThreshold' | 'EncounteredTotalEscrowThreshold' | 'EncounteredEscrowProportionThreshold'
  | 'EncounteredQuarantineException' | 'Unknown' | 'QuarantinedOnDemand' | 'TooManyDeletes' | 'IngestionInterrupted';

export interface SynchronizationQuarantine {
  currentBegan?: string;
  nextAttempt?: string;
  reason?: QuarantineReason | (string & {});
  seriesBegan?: string;
  seriesCount?: number;
  error?: { code?: string; message?: string; tenantActionable?: boolean; [key: string]: unknown } | null;
  [key: string]: unknown;
}

export interface SynchronizationStatus {
  code: SynchronizationStatusCode;
  countSuccessiveCompleteFailures?: number;
  escrowsPruned?: boolean;
  lastExecution?: SynchronizationTaskExecution | null;
  lastSuccessfulExecution?: SynchronizationTaskExecution | null;
  lastSuccessfulExecutionWithExports?: SynchronizationTaskExecution | null;
  progress?: SynchronizationProgress[];
  quarantine?: SynchronizationQuarantine | null;
  /** `0001-01-01T00:00:00Z` until first reached. */
  steadyStateFirstAchievedTime?: string;
  steadyStateLastAchievedTime?: string;
  synchronizedEntryCountByType?: Array<{ key?: string; value?: number; [key: string]: unknown }>;
  troubleshootingUrl?: string | null;
  [key: string]: unknown;
}

/** A job exactly as Graph sent it (every field kept, fields Graph adds later included; `@odata.context` dropped). */
export interface SynchronizationJob {
  id: string;
  templateId?: string;
  schedule?: { expiration?: string | null; interval?: string; state?: 'Active' | 'Disabled' | 'Paused' | (string & {}); [key: string]: unknown };
  status: SynchronizationStatus;
  synchronizationJobSettings?: Array<{ name: string; value: string }>;
  [key: string]: unknown;
}

export interface JobRef {
  servicePrincipalId: string;
  jobId: string;
}

export interface BulkProgress {
  done: number;
  total: number;
  ok: number;
  failed: number;
  skipped: number;
}

export interface BulkOptions extends CallOptions {
  /** `$batch` requests in flight, each of at most 20 sub-requests. Default 4, 1 to 20. */
  concurrency?: number;
  /** As for the single call: the reads go through `$batch` too. */
  ifStatus?: SynchronizationStatusCode[];
  /** Called after each settled batch. What it throws or rejects with is ignored. */
  onProgress?: (progress: BulkProgress) => unknown;
}

export interface BulkRestartOptions extends BulkOptions {
  resetScope?: ResetScope[];
}

/** One result per input item, in input order. An item's failure never rejects the call. */
export interface BulkItemResult {
  servicePrincipalId: string;
  jobId: string;
  ok: boolean;
  skipped: boolean;
  jobStatus?: SynchronizationStatusCode;
  status?: number;
  requestId?: string;
  error?: GraphError;
}

export interface WaitOptions extends CallOptions {
  /** Default "cycleComplete": a cycle that began at or after the first poll has ended (Graph's timestamps).
   * "steadyState": steadyStateLastAchievedTime moved past its first value. "active": status.code is Active. */
  until?: 'cycleComplete' | 'steadyState' | 'active';
  /** Between polls, in ms. Default 20000, at least 1000. A 429's Retry-After stretches it, never shortens it. */
  pollIntervalMs?: number;
  /** Called with the job after each poll. What it throws or rejects with is ignored. */
  onProgress?: (job: SynchronizationJob) => unknown;
}

/** Plain data from `GraphError.toJSON()`: safe to log, post to a worker or structuredClone. */
export interface GraphErrorJSON {
  name: 'GraphError';
  kind: GraphErrorKind;
  status: number;
  code: string;
  message: string;
  requestId?: string;
  clientRequestId?: string;
  date: string;
  innerErrors: Array<Record<string, unknown>>;
  details: Array<{ code?: string; message?: string; target?: string; [key: string]: unknown }>;
  target?: string;
  retryAfterMs?: number;
  headers: Record<string, string>;
  body?: string;
  bodyTruncated: boolean;
  attempts: number;
  argument?: string;
  hint?: string;
  job?: SynchronizationJob;
  cause?: { name: string; message: string } | string;
}

/** The error every failed call rejects with. The token never appears in it. */
export declare class GraphError extends Error {
  readonly name: 'GraphError';
  /** Why it failed. */
  readonly kind: GraphErrorKind;
  /** HTTP status; 0 when there was no response. */
  readonly status: number;
  /** Graph's error code (e.g. "Authorization_RequestDenied"), else ours: "unexpectedResponse",
   * "networkError", "aborted", "timeout", "invalidArgument", "tokenUnavailable", "wasmLoadFailed". */
  readonly code: string;
  /** Graph's request-id, from the body's inner error or the response header. */
  readonly requestId?: string;
  /** The client-request-id of the call (the same on every attempt). */
  readonly clientRequestId?: string;
  /** ISO-8601 UTC: Graph's inner-error date (zone-less, read as UTC), else the response's Date, else when the error was made. Always set. */
  readonly date: string;
  /** Every inner error in the chain, outermost first, each without its nested one. */
  readonly innerErrors: Array<Record<string, unknown>>;
  readonly details: Array<{ code?: string; message?: string; target?: string; [key: string]: unknown }>;
  readonly target?: string;
  /** From the Retry-After header (seconds, fractional seconds or an HTTP date), in ms. */
  readonly retryAfterMs?: number;
  /** Response headers, names lower-case (in browsers, only those the server exposes). */
  readonly headers: Record<string, string>;
  /** The raw response body, at most 64 KiB (see bodyTruncated). */
  readonly body?: string;
  readonly bodyTruncated: boolean;
  /** Requests sent for this call (0 when nothing was sent). */
  readonly attempts: number;
  /** For kind "invalidArgument": which argument, e.g. "jobId" or "options.apiVersion". */
  readonly argument?: string;
  /** One sentence on the likely cause, only where the response shows it (README "Hints"). */
  readonly hint?: string;
  /** For kind "jobFailed": the job as last read. */
  readonly job?: SynchronizationJob;
  /** What caused it: the platform's error for a network failure or a failed WebAssembly load, the
   * signal's reason for an abort, the token source's error. */
  readonly cause?: unknown;
  constructor(fields: Partial<GraphErrorJSON>, options?: { cause?: unknown });
  toJSON(): GraphErrorJSON;
}

/** Reads a job: GET /servicePrincipals/{id}/synchronization/jobs/{jobId}. */
export declare function getSynchronizationJob(
  token: TokenSource,
  servicePrincipalId: string,
  jobId: string,
  options?: CallOptions,
): Promise<SynchronizationJob>;

/** Lists a service principal's jobs: GET .../jobs, following @odata.nextLink (at most 100 pages, same Graph root only). */
export declare function listSynchronizationJobs(
  token: TokenSource,
  servicePrincipalId: string,
  options?: CallOptions,
): Promise<SynchronizationJob[]>;

/**
 * Starts (or resumes) a provisioning job: POST /servicePrincipals/{id}/synchronization/jobs/{jobId}/start.
 * Resolves on 204 No Content; otherwise rejects with a GraphError.
 *
 * @param token An access token, a function returning one, or a TokenCredential.
 * @param servicePrincipalId The service principal's object id (not its appId).
 * @param jobId e.g. "AppTemplate.e4bbf44533ea4eabb17027f3a92e92aa".
 */
export declare function startSynchronizationJob(
  token: TokenSource,
  servicePrincipalId: string,
  jobId: string,
  options?: ActionOptions,
): Promise<ActionResult>;

/** Pauses a job: POST .../pause, 204. */
export declare function pauseSynchronizationJob(
  token: TokenSource,
  servicePrincipalId: string,
  jobId: string,
  options?: ActionOptions,
): Promise<ActionResult>;

/** Restarts a job: POST .../restart with options.resetScope as criteria, 204. */
export declare function restartSynchronizationJob(
  token: TokenSource,
  servicePrincipalId: string,
  jobId: string,
  options?: RestartOptions,
): Promise<ActionResult>;

/** Starts many jobs through Graph's JSON $batch (20 per batch, `concurrency` batches in flight). */
export declare function startSynchronizationJobs(token: TokenSource, jobs: JobRef[], options?: BulkOptions): Promise<BulkItemResult[]>;
/** Pauses many jobs through $batch. */
export declare function pauseSynchronizationJobs(token: TokenSource, jobs: JobRef[], options?: BulkOptions): Promise<BulkItemResult[]>;
/** Restarts many jobs through $batch. */
export declare function restartSynchronizationJobs(token: TokenSource, jobs: JobRef[], options?: BulkRestartOptions): Promise<BulkItemResult[]>;

/**
 * Polls a job until `options.until` holds; resolves with the job as last read. Rejects with kind
 * "jobFailed" (code the quarantine reason or the execution error's code, `job` set) when the job
 * goes into quarantine or the awaited cycle ends Failed.
 */
export declare function waitForSynchronizationJob(
  token: TokenSource,
  servicePrincipalId: string,
  jobId: string,
  options?: WaitOptions,
): Promise<SynchronizationJob>;

/**
 * Where `init` may take the WebAssembly from, for those who host `web/graph_sync_job_bg.wasm`
 * themselves: a URL (or string), a Request, a Response or a promise of one, the bytes, or a
 * compiled module. A Response served as `application/wasm` compiles while it downloads.
 */
export type InitInput =
  | string
  | URL
  | Request
  | Response
  | PromiseLike<Response>
  | ArrayBuffer
  | ArrayBufferView
  | CompiledWasmModule;

/** WebAssembly.Module, where the program's types declare it (the DOM lib does; @types/node 20 does not). */
export type CompiledWasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;

/**
 * Loads the WebAssembly now; without this, the first call loads it. With `input`, from there
 * instead of the package's own copy.
 * Resolves once loaded; does nothing when already loaded. Rejects with a GraphError whose code
 * is "wasmLoadFailed" (kind "network"); a later call tries again.
 */
export declare function init(input?: InitInput): Promise<void>;
