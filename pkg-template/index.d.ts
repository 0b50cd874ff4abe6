// Hand-written: wasm-bindgen would type every argument as `any` and cannot express the
// GraphError class, the `kind` union or the token-source shapes.

/** A national cloud, shorthand for its Graph root. */
export type GraphCloud = 'global' | 'usGov' | 'usGovDoD' | 'china';

/** Why a call failed. */
export type GraphErrorKind = 'http' | 'network' | 'aborted' | 'timeout' | 'invalidArgument' | 'token';

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

export interface StartOptions {
  /** Graph root, default https://graph.microsoft.com (a trailing slash is fine). Not with `cloud`. */
  baseUrl?: string;
  /** Shorthand for the Graph root of a national cloud. Not with `baseUrl`. */
  cloud?: GraphCloud;
  /** Default "beta". */
  apiVersion?: 'beta' | 'v1.0';
  /** Cancels the request and any wait; the call rejects with kind "aborted" and the signal's reason as cause. */
  signal?: AbortSignal;
  /** One deadline in ms over the whole call, retries and waits included; past it, kind "timeout". Default 120000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Called before each wait. Exceptions it throws are ignored. */
  onRetry?: (info: RetryInfo) => void;
  /** Called on success, with Graph's request id. Exceptions it throws are ignored. */
  onResponse?: (info: ResponseInfo) => void;
  /** The client-request-id sent on every attempt; default a fresh GUID per call. */
  clientRequestId?: string;
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
  date?: string;
  innerErrors: Array<Record<string, unknown>>;
  details: Array<{ code?: string; message?: string; target?: string; [key: string]: unknown }>;
  target?: string;
  retryAfterMs?: number;
  headers: Record<string, string>;
  body?: string;
  bodyTruncated: boolean;
  attempts: number;
  argument?: string;
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
  /** ISO-8601 UTC: Graph's inner-error date (zone-less, read as UTC), else the response's Date, else when it failed. */
  readonly date?: string;
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
  /** What caused it: the platform's error for a network failure or a failed WebAssembly load, the
   * signal's reason for an abort, the token source's error. */
  readonly cause?: unknown;
  constructor(fields: Partial<GraphErrorJSON>, options?: { cause?: unknown });
  toJSON(): GraphErrorJSON;
}

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
  options?: StartOptions,
): Promise<void>;

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
