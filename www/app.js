// The demo page. No framework, no build step: the package is imported as a user would import it,
// from the files of the built package (pkg/, served at /pkg/). Every Graph call goes through it:
// the page has no fetch of its own to Graph.
import * as gsj from '/pkg/browser.js';

const { GraphError } = gsj;
const $ = (id) => document.getElementById(id);
const form = $('start-form');
const els = {
  where: $('where'),
  missing: $('missing'),
  endpoint: $('endpoint'),
  token: $('token'),
  showToken: $('show-token'),
  sp: $('sp'),
  job: $('job'),
  maxRetries: $('max-retries'),
  timeout: $('timeout'),
  clientRequestId: $('client-request-id'),
  start: $('start'),
  pause: $('pause'),
  restart: $('restart'),
  read: $('read'),
  ifStatus: $('if-status'),
  cancel: $('cancel'),
  attempt: $('attempt'),
  attemptMax: $('attempt-max'),
  status: $('status'),
  retryLog: $('retry-log'),
  placeholder: $('placeholder'),
  result: $('result'),
  resultTitle: $('result-title'),
  resultBody: $('result-body'),
  emulatorTools: $('emulator-tools'),
  seedList: $('seed-list'),
  wait: $('wait'),
  waitJob: $('wait-job'),
  waitProgress: $('wait-progress'),
  waitPercent: $('wait-percent'),
  waitFields: $('wait-fields'),
  waitLive: $('wait-live'),
  waitCancel: $('wait-cancel'),
  waitOutcome: $('wait-outcome'),
  bulk: $('bulk'),
  bulkList: $('bulk-list'),
  bulkSeed: $('bulk-seed'),
  bulkCaption: $('bulk-caption'),
  bulkJobs: $('bulk-jobs').tBodies[0],
  bulkAll: $('bulk-all'),
  bulkIfStatus: $('bulk-if-status'),
  bulkStart: $('bulk-start'),
  bulkPause: $('bulk-pause'),
  bulkRestart: $('bulk-restart'),
  bulkCancel: $('bulk-cancel'),
  bulkProgress: $('bulk-progress'),
  bulkCount: $('bulk-count'),
  bulkStatus: $('bulk-status'),
  bulkResults: $('bulk-results'),
  bulkResultsCaption: $('bulk-results-caption'),
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IF_STATUS = ['Paused', 'Quarantine'];
const WAIT_POLL_MS = 1000;
let config = { emulatorUrl: null, clouds: [], seed: null };
// The one call running now: { kind: 'single' | 'bulk' | 'wait', controller }.
let running = null;
// The jobs in the "All jobs" table: [{ servicePrincipalId, jobId, app, state }].
let bulkJobs = [];
let bulkFromSeed = true;

// ---------- small DOM helpers (text only: nothing from a response is parsed as HTML) ----------

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const badge = (code, text = code) => h('span', { class: `state state-${code ?? 'unknown'}`, text: text ?? 'unknown' });
const onEmulator = () => Boolean(config.emulatorUrl) && els.endpoint.value === config.emulatorUrl;
const demoToken = (writable) =>
  config.seed?.tokens?.find((t) => t.scopes.some((s) => (writable ? /ReadWrite/ : /\.Read\./).test(s)))?.token;
const when = (iso) => (iso && !iso.startsWith('0001-') ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC') : null);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------- the package's functions, checked at load (a build may predate some of them) ----------

const EXPORTS = {
  getSynchronizationJob: ['read'],
  listSynchronizationJobs: ['bulk-list'],
  startSynchronizationJob: ['start'],
  pauseSynchronizationJob: ['pause'],
  restartSynchronizationJob: ['restart'],
  startSynchronizationJobs: ['bulk-start'],
  pauseSynchronizationJobs: ['bulk-pause'],
  restartSynchronizationJobs: ['bulk-restart'],
  waitForSynchronizationJob: [],
};
const has = (name) => typeof gsj[name] === 'function';

function need(name) {
  if (!has(name)) throw new Error(`This build of graph-sync-job has no ${name}: rebuild pkg/ (make pkg).`);
  return gsj[name];
}

function checkExports() {
  const missing = Object.keys(EXPORTS).filter((name) => !has(name));
  for (const name of missing) for (const id of EXPORTS[name]) $(id).dataset.missing = name;
  els.missing.hidden = !missing.length;
  els.missing.textContent = missing.length
    ? `This build of the package lacks ${missing.join(', ')}: the matching buttons are off.`
    : '';
}

// ---------- configuration, endpoint and emulator helpers ----------

async function loadConfig() {
  try {
    const r = await fetch('/config.json', { cache: 'no-store' });
    if (r.ok) config = await r.json();
  } catch {
    // Served by something else than www/serve.mjs: Graph clouds only.
  }
  if (!config.clouds?.length) {
    config.clouds = [{ url: 'https://graph.microsoft.com', label: 'Microsoft Graph global service' }];
  }
  els.endpoint.replaceChildren();
  if (config.emulatorUrl) {
    els.endpoint.append(h('option', { value: config.emulatorUrl, text: `Local emulator (${config.emulatorUrl})` }));
  }
  for (const c of config.clouds) els.endpoint.append(h('option', { value: c.url, text: `${c.label} (${c.url})` }));
  endpointChanged();
}

function endpointChanged() {
  const emu = onEmulator();
  els.emulatorTools.hidden = !emu || !config.seed;
  els.bulkSeed.hidden = !emu || !config.seed;
  els.where.className = `banner ${emu ? 'banner-emulator' : 'banner-graph'}`;
  els.where.textContent = emu
    ? `Talking to the local Graph emulator at ${config.emulatorUrl}: no tenant, no internet needed.`
    : `Talking to the real Microsoft Graph at ${els.endpoint.value}: use a token from your tenant.`;
  if (emu && config.seed) {
    useSeedJobs();
    renderSeed(); // the seeded states at once; the live ones follow
    refreshSeedStates();
  } else if (bulkFromSeed) {
    bulkJobs = [];
    renderBulkJobs();
  }
}

function fill(sp, job, token) {
  els.sp.value = sp;
  els.job.value = job;
  if (token) els.token.value = token;
}

function useSeedJobs() {
  bulkFromSeed = true;
  bulkJobs = (config.seed?.servicePrincipals ?? []).flatMap((sp) =>
    sp.jobs.map((j) => ({ servicePrincipalId: sp.id, jobId: j.id, app: sp.displayName, state: j.state })),
  );
  renderBulkJobs();
}

function renderSeed(states = {}) {
  const seed = config.seed;
  if (!seed) return;
  els.seedList.replaceChildren(
    ...seed.servicePrincipals.map((sp) =>
      h(
        'div',
        { class: 'seed-sp' },
        h('p', { class: 'seed-sp-name' }, h('strong', { text: sp.displayName }), ` · object id `,
          h('code', { text: sp.id }), ` · appId `, h('code', { text: sp.appId })),
        h(
          'ul',
          { class: 'seed-jobs' },
          sp.jobs.map((job) => {
            const state = states[`${sp.id}/${job.id}`] ?? job.state;
            return h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'seed-job',
                  'data-sp': sp.id,
                  'data-job': job.id,
                  'aria-label': `Use ${sp.displayName} job ${job.id}, now ${state}`,
                  onclick: () => {
                    fill(sp.id, job.id, els.token.value ? null : demoToken(true));
                    announce(`Filled in ${sp.displayName} job ${job.id} (${state}).`);
                  },
                },
                h('span', { class: 'job-id', text: job.id }),
                badge(state),
              ),
            );
          }),
        ),
      ),
    ),
  );
}

// The seed list and the "All jobs" table show each job's live state, read with
// listSynchronizationJobs and the emulator's demo token.
let refreshes = 0;
async function refreshSeedStates() {
  const token = demoToken(true);
  const seed = config.seed;
  if (!seed || !token || !config.emulatorUrl || !has('listSynchronizationJobs')) return renderSeed();
  const mine = ++refreshes;
  const states = {};
  await Promise.all(
    seed.servicePrincipals.map(async (sp) => {
      try {
        const jobs = await gsj.listSynchronizationJobs(token, sp.id, { baseUrl: config.emulatorUrl, timeoutMs: 10_000 });
        for (const job of jobs) states[`${sp.id}/${job.id}`] = job.status?.code;
      } catch {
        // keep the seeded state
      }
    }),
  );
  if (mine !== refreshes) return; // a later refresh is under way: its states are newer
  renderSeed(states);
  for (const j of bulkJobs) j.state = states[`${j.servicePrincipalId}/${j.jobId}`] ?? j.state;
  for (const row of els.bulkJobs.rows) {
    const j = bulkJobs[Number(row.dataset.index)];
    if (j) row.querySelector('[data-cell="state"]').replaceChildren(badge(j.state));
  }
}

// ---------- the form ----------

function readForm() {
  const apiVersion = form.querySelector('input[name="api-version"]:checked').value;
  const maxRetries = Number(els.maxRetries.value);
  const timeoutMs = Number(els.timeout.value);
  return {
    baseUrl: els.endpoint.value,
    apiVersion,
    token: els.token.value.trim(),
    sp: els.sp.value.trim(),
    job: els.job.value.trim(),
    maxRetries: Number.isInteger(maxRetries) && maxRetries >= 0 ? maxRetries : 3,
    timeoutMs: timeoutMs > 0 ? timeoutMs : undefined,
    clientRequestId: els.clientRequestId.value.trim() || undefined,
    resetScope: [...form.querySelectorAll('input[name="reset-scope"]:checked')].map((c) => c.value),
  };
}

// The options every call shares.
const common = (input, signal) => ({
  baseUrl: input.baseUrl,
  apiVersion: input.apiVersion,
  signal,
  timeoutMs: input.timeoutMs,
  retry: { maxRetries: input.maxRetries },
});

function announce(text) {
  els.status.textContent = text;
}

const ACTION_BUTTONS = ['start', 'pause', 'restart', 'read', 'bulk-start', 'bulk-pause', 'bulk-restart', 'bulk-list', 'bulk-seed'];

function setRunning(kind, controller) {
  running = kind ? { kind, controller } : null;
  for (const id of ACTION_BUTTONS) $(id).disabled = Boolean(kind) || Boolean($(id).dataset.missing);
  for (const b of document.querySelectorAll('.wait-start')) b.disabled = Boolean(kind);
  els.cancel.disabled = kind !== 'single';
  els.bulkCancel.disabled = kind !== 'bulk';
  els.waitCancel.disabled = kind !== 'wait';
  els.waitCancel.hidden = kind !== 'wait';
  form.setAttribute('aria-busy', String(kind === 'single'));
  els.bulk.setAttribute('aria-busy', String(kind === 'bulk'));
  els.wait.setAttribute('aria-busy', String(kind === 'wait'));
}

function cancel() {
  running?.controller.abort(new DOMException('Cancelled from the demo page', 'AbortError'));
}

function setAttempt(n, max) {
  els.attempt.value = String(n);
  els.attempt.textContent = String(n);
  els.attemptMax.textContent = max ? `of up to ${max}` : '';
}

// ---------- reading a job ----------

// getSynchronizationJob, never rejecting: { job, code } or { error } or { skipped }.
async function readJob(input, signal) {
  if (!input.token || !input.sp || !input.job) return { skipped: 'missing token or ids' };
  try {
    const job = await need('getSynchronizationJob')(input.token, input.sp, input.job, common(input, signal));
    return { job, code: job?.status?.code ?? 'unknown' };
  } catch (error) {
    return { error };
  }
}

// A read refused for good (bad arguments, refused token, unknown ids): reading again would only
// repeat the answer.
const readFailedForGood = (s) => s.error
  && (s.error.kind === 'invalidArgument' || (s.error.status >= 400 && s.error.status < 500 && s.error.status !== 429));

// ---------- one job: start, pause, restart, read ----------

const ACTIONS = {
  start: { fn: 'startSynchronizationJob', verb: 'Start', done: 'Job started', doing: 'Starting the job' },
  pause: { fn: 'pauseSynchronizationJob', verb: 'Pause', done: 'Job paused', doing: 'Pausing the job' },
  restart: { fn: 'restartSynchronizationJob', verb: 'Restart', done: 'Job restarted', doing: 'Restarting the job' },
};

async function runAction(action) {
  if (running) return;
  const input = readForm();
  const spec = ACTIONS[action];
  const controller = new AbortController();
  const { signal } = controller;
  setRunning('single', controller);
  els.result.hidden = true;
  els.retryLog.replaceChildren();
  setAttempt(0, input.maxRetries + 1);
  announce('Reading the job’s state…');

  const before = await readJob(input, signal);
  let result = null;
  let error = null;
  const retries = [];
  const options = {
    ...common(input, signal),
    clientRequestId: input.clientRequestId,
    onRetry: ({ attempt, delayMs, error: why }) => {
      setAttempt(attempt + 1, input.maxRetries + 1);
      const reason = why.status ? `${why.status} ${why.code}` : why.code;
      retries.push(`Attempt ${attempt} failed (${reason}); retry ${attempt} in ${Math.round(delayMs)} ms.`);
      els.retryLog.append(h('li', { text: retries.at(-1) }));
      announce(`Attempt ${attempt} failed (${reason}). Retrying in ${Math.round(delayMs)} ms (attempt ${attempt + 1}).`);
    },
  };
  const ifStatus = action === 'start' && els.ifStatus.checked ? IF_STATUS : undefined;
  if (ifStatus) options.ifStatus = ifStatus;
  if (action === 'restart' && input.resetScope.length) options.resetScope = input.resetScope;
  setAttempt(1, input.maxRetries + 1);
  announce(`${spec.doing}: attempt 1…`);
  const started = performance.now();
  try {
    result = await need(spec.fn)(input.token, input.sp, input.job, options);
  } catch (e) {
    error = e;
  }
  const elapsedMs = performance.now() - started;
  const after = before.skipped
    ? { skipped: before.skipped }
    : readFailedForGood(before)
      ? { skipped: `as before: ${describeError(before.error)}` }
      : await readJob(input);
  setRunning(null);
  if (error) setAttempt(error.attempts ?? 0, input.maxRetries + 1);
  else if (result) setAttempt(result.attempts, input.maxRetries + 1);
  renderAction({ action, spec, input, before, after, result, error, elapsedMs, retries, ifStatus });
  if (onEmulator()) refreshSeedStates();
}

async function runRead() {
  if (running) return;
  const input = readForm();
  const controller = new AbortController();
  setRunning('single', controller);
  els.result.hidden = true;
  els.retryLog.replaceChildren();
  announce('Reading the job’s state…');
  const started = performance.now();
  const state = await readJob(input, controller.signal);
  const elapsedMs = performance.now() - started;
  setRunning(null);
  setAttempt(state.error?.attempts ?? 0);
  const body = [];
  if (state.job) {
    showResult('ok', `Job state: ${state.code}`);
    body.push(h('p', { class: 'lead', text: `getSynchronizationJob answered in ${Math.round(elapsedMs)} ms.` }));
    body.push(jobView(state.job, 'The job'));
    body.push(hintList(stateHints(state), 'Good to know'));
    announce(`The job is ${state.code}.`);
  } else if (state.skipped) {
    showResult('error', 'Nothing read');
    body.push(h('p', { class: 'lead', text: 'Fill in the token, the service principal’s object id and the job id.' }));
    announce('Nothing read: fill in the token and both ids.');
  } else {
    body.push(...errorView(state.error, 'Read', 'getSynchronizationJob', elapsedMs));
    body.push(hintList(errorHints({ input, before: {}, error: state.error }), 'What to check'));
  }
  els.resultBody.replaceChildren(...body.filter(Boolean));
  revealResult();
}

function showResult(kind, title) {
  els.result.className = `result result-${kind}`;
  els.resultTitle.textContent = title;
}

function revealResult() {
  els.result.hidden = false;
  els.placeholder.hidden = true;
  els.result.focus();
}

// ---------- the outcome ----------

function field(dl, name, value, opts = {}) {
  const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length);
  const dd = h('dd', { 'data-field': opts.key ?? name });
  if (empty) dd.append(h('span', { class: 'none', text: '—' }), h('span', { class: 'visually-hidden', text: 'none' }));
  else if (value instanceof Node) dd.append(value);
  else if (opts.pre) dd.append(h('pre', { text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }));
  else if (opts.code) dd.append(h('code', { text: String(value) }));
  else dd.textContent = String(value);
  dl.append(h('div', { class: 'row' }, h('dt', { text: name }), dd));
}

function describeError(e) {
  if (!(e instanceof GraphError)) return String(e?.message ?? e);
  return e.status ? `${e.status} ${e.code}` : e.code;
}

function stateText(s) {
  if (s.code) return s.code;
  if (s.skipped) return `not read (${s.skipped})`;
  return `could not read (${describeError(s.error)})`;
}

// Graph's synchronizationProgress: { completedUnits, totalUnits, units, progressObservationDateTime }.
function lastProgress(job) {
  const p = job?.status?.progress;
  return Array.isArray(p) && p.length ? p[p.length - 1] : null;
}

function percent(p) {
  if (!p || !(p.totalUnits > 0)) return null;
  return Math.max(0, Math.min(100, Math.floor((100 * (p.completedUnits ?? 0)) / p.totalUnits)));
}

function progressText(p) {
  const pct = percent(p);
  return pct === null ? null : `${pct}% (${p.completedUnits ?? 0} of ${p.totalUnits}${p.units ? ` ${p.units}` : ''})`;
}

// A run under way has a start time and no state yet.
const runState = (run) => run?.state ?? (run?.timeBegan && !run.timeEnded ? 'running' : null);

function counts(run) {
  if (!run) return null;
  const parts = [
    ['imported', run.countImported],
    ['exported', run.countExported],
    ['escrowed', run.countEscrowed],
    ['entitled', run.countEntitled],
  ].filter(([, n]) => typeof n === 'number');
  return parts.length ? parts.map(([k, n]) => `${k} ${n}`).join(' · ') : null;
}

// The job as getSynchronizationJob returned it: status, progress, last execution, quarantine.
function jobView(job, title) {
  const s = job?.status ?? {};
  const run = s.lastExecution;
  const q = s.quarantine;
  const p = lastProgress(job);
  const dl = h('dl', { class: 'fields job-fields' });
  field(dl, 'status code', badge(s.code), { key: 'job.code' });
  field(dl, 'progress', progressText(p), { key: 'job.progress' });
  field(dl, 'last run', runState(run), { key: 'job.lastState' });
  field(dl, 'began', when(run?.timeBegan), { key: 'job.began' });
  field(dl, 'ended', when(run?.timeEnded), { key: 'job.ended' });
  field(dl, 'counts', counts(run), { key: 'job.counts' });
  // The run's error, unless it only repeats the quarantine's.
  if (run?.error && run.error.message !== q?.error?.message) {
    field(dl, 'run error', [run.error.code, run.error.message].filter(Boolean).join(': '), { key: 'job.runError' });
  }
  field(dl, 'quarantine', q ? q.reason ?? 'yes' : null, { key: 'job.quarantineReason' });
  if (q) {
    field(dl, 'quarantine error', q.error ? [q.error.code, q.error.message].filter(Boolean).join(': ') : null, { key: 'job.quarantineError' });
    field(dl, 'quarantined since', when(q.currentBegan), { key: 'job.quarantineSince' });
    field(dl, 'next attempt', when(q.nextAttempt), { key: 'job.quarantineNext' });
  }
  return h('div', { class: 'job-view' }, h('h3', { text: title }), dl);
}

function stateView(before, after) {
  const b = (s) => h('span', { class: `state ${s.code ? `state-${s.code}` : 'state-unknown'}`, text: stateText(s) });
  const shown = after.job ?? before.job;
  return h(
    'div',
    { class: 'states' },
    h('h3', { text: 'Job state' }),
    h('p', { class: 'state-line', 'data-testid': 'state-line' },
      h('span', { class: 'state-label', text: 'Before: ' }), b(before),
      h('span', { class: 'arrow', 'aria-hidden': 'true', text: ' → ' }),
      h('span', { class: 'state-label', text: ' After: ' }), b(after)),
    h('p', { class: 'hint', text: 'Read with getSynchronizationJob before and after the call.' }),
    shown ? jobView(shown, after.job ? 'The job now' : 'The job before') : null,
  );
}

function seedMatchForAppId(id) {
  return config.seed?.servicePrincipals.find((sp) => sp.appId.toLowerCase() === id.toLowerCase());
}

function stateHints(before, action = 'read') {
  const out = [];
  if (before.code === 'Quarantine') {
    const q = before.job?.status?.quarantine;
    const why = q?.error?.message ?? '';
    const lift = action === 'start' ? 'Starting it lifts the quarantine, but unless the cause is fixed it will be quarantined again.'
      : action === 'read' ? 'Fix the cause, then start it, or restart it with the QuarantineState reset scope.'
        : '';
    out.push(`The job was in quarantine${q?.reason ? ` (${q.reason})` : ''}. ${lift} ${why}`.replace(/\s+/g, ' ').trim());
  }
  return out;
}

// Hints for the common mistakes, from the error and the state before. The package's own `hint`
// comes first.
function errorHints({ input, before, error, action = 'start' }) {
  const out = [];
  if (!error) return out;
  // The package's hint first; the page's general advice only where the package gave none.
  if (error.hint) out.push({ text: error.hint, from: 'graph-sync-job' });
  const general = (text) => {
    if (!error.hint) out.push(text);
  };
  const emu = onEmulator();
  const { kind, status, code = '' } = error;
  if (kind === 'http' && status === 404) {
    const seedSp = emu && GUID.test(input.sp) ? seedMatchForAppId(input.sp) : null;
    if (seedSp) {
      out.push({
        text: `${input.sp} is the appId of ${seedSp.displayName}, not its service principal’s object id (${seedSp.id}).`,
        action: { label: 'Use the object id', run: () => { els.sp.value = seedSp.id; els.sp.focus(); } },
      });
    } else if (input.job && error.message.includes(input.job) && !error.message.includes(input.sp)) {
      general('The service principal exists but has no job with this id: list its jobs (“List the jobs of the service principal above”, under All jobs).');
    } else {
      general(
        `Graph found no service principal with this id.${GUID.test(input.sp) ? ' The most common mistake is giving the application’s appId (client id) instead of the service principal’s object id:' : ' Give the service principal’s object id (a GUID):'} in the Entra admin center, Enterprise applications → your app → Object ID, or GET /servicePrincipals(appId='{appId}').`,
      );
      if (emu) out.push('On the emulator, compare with the seed’s object ids and appIds listed under “Seed jobs”.');
    }
  } else if ((status === 403 && code === 'Authorization_RequestDenied') || (status === 401 && code === 'UnknownError')) {
    general(
      `The token is valid but lacks the permission to ${action === 'read' ? 'read' : 'change'} jobs: it needs Synchronization.ReadWrite.All (application permission with admin consent), or delegated with a role such as Application Administrator.`,
    );
    if (emu && input.token === demoToken(false)) {
      out.push(`On the emulator, ${input.token} only has Synchronization.Read.All: use ${demoToken(true)}.`);
    }
  } else if (status === 401) {
    general(
      `Graph did not accept the token (${code || 'unauthorized'}): it is expired, malformed, or issued for another audience or cloud.${emu ? '' : ` Request it for the scope ${input.baseUrl}/.default.`}`,
    );
    if (emu && demoToken(true)) out.push(`The emulator accepts ${demoToken(true)} (“Use demo values”).`);
  } else if (status === 400 && /NotConfigured|not configured/i.test(error.message)) {
    out.push('The job is not configured yet: save its credentials and schema (in the portal: Provisioning) before running it.');
  } else if (kind === 'http' && [429, 503, 504].includes(status)) {
    out.push(
      `Graph was still refusing (${status}) after ${plural(error.attempts, 'attempt')}. Wait${error.retryAfterMs ? ` at least ${error.retryAfterMs} ms` : ''} and try again, or allow more retries.`,
    );
  } else if (kind === 'aborted') {
    out.push('You cancelled the call. If the request had already reached Graph the action may still happen: check the state after (or read it again).');
  } else if (kind === 'timeout') {
    out.push(`No answer within ${input.timeoutMs} ms (timeoutMs), retries included.`);
  } else if (kind === 'network') {
    out.push(
      emu
        ? 'The emulator did not answer: is `make demo` still running?'
        : 'The endpoint could not be reached: are you online, and is nothing (proxy, extension, firewall) blocking it?',
    );
  } else if (kind === 'invalidArgument') {
    out.push(`Nothing was sent: the package refused ${error.argument ?? 'an argument'} before calling Graph.`);
  }
  return out;
}

function hintList(items, title) {
  if (!items.length) return null;
  return h(
    'div',
    { class: 'hints' },
    h('h3', { text: title }),
    h('ul', {}, items.map((item) => {
      if (typeof item === 'string') return h('li', { text: item });
      const li = h('li', {}, item.from ? h('strong', { text: `From ${item.from}: ` }) : null, item.text);
      if (item.from) li.dataset.hint = 'package';
      if (item.action) li.append(' ', h('button', { type: 'button', class: 'secondary small', onclick: item.action.run, text: item.action.label }));
      return li;
    })),
  );
}

// A GraphError field by field (or any other error as text). Sets the result's title.
function errorView(error, verb, fn, elapsedMs) {
  const body = [];
  const took = `${Math.round(elapsedMs)} ms`;
  if (error instanceof GraphError) {
    showResult('error', `${verb} failed: ${error.kind}${error.status ? ` ${error.status}` : ''} ${error.code}`);
    body.push(h('p', { class: 'lead', text: `${fn} rejected with a GraphError (${took}).` }));
    const dl = h('dl', { class: 'fields' });
    field(dl, 'kind', error.kind, { key: 'kind' });
    field(dl, 'status', error.status, { key: 'status' });
    field(dl, 'code', error.code, { code: true, key: 'code' });
    field(dl, 'message', error.message, { key: 'message' });
    if (error.hint) field(dl, 'hint', error.hint, { key: 'hint' });
    field(dl, 'request id', error.requestId, { code: true, key: 'requestId' });
    field(dl, 'client request id', error.clientRequestId, { code: true, key: 'clientRequestId' });
    field(dl, 'date', error.date, { key: 'date' });
    field(dl, 'inner errors', error.innerErrors, { pre: true, key: 'innerErrors' });
    field(dl, 'retry-after', error.retryAfterMs === undefined ? undefined : `${error.retryAfterMs} ms`, { key: 'retryAfter' });
    field(dl, 'attempts', error.attempts, { key: 'attempts' });
    if (error.argument) field(dl, 'argument', error.argument, { code: true, key: 'argument' });
    if (error.details?.length) field(dl, 'details', error.details, { pre: true, key: 'details' });
    body.push(dl);
    announce(`${verb} failed: ${error.kind}${error.status ? ` ${error.status}` : ''} ${error.code}. ${error.message}`);
  } else {
    showResult('error', `${verb} failed: unexpected error`);
    body.push(h('p', { class: 'lead', text: String(error?.message ?? error) }));
    announce(`${verb} failed: ${String(error?.message ?? error)}`);
  }
  return body;
}

function rawError(error) {
  if (!(error instanceof GraphError)) return null;
  return h('details', { class: 'raw' }, h('summary', { text: 'The whole error: error.toJSON()' }),
    h('pre', { text: JSON.stringify(error.toJSON(), null, 2) }));
}

function renderAction({ action, spec, input, before, after, result, error, elapsedMs, retries, ifStatus }) {
  const body = [];
  const took = `${Math.round(elapsedMs)} ms`;
  const hints = [];
  if (error) {
    body.push(...errorView(error, spec.verb, spec.fn, elapsedMs));
    hints.push(...stateHints(before, action), ...errorHints({ input, before, error, action }));
  } else if (result?.skipped) {
    showResult('skipped', `${spec.verb} skipped: the job is ${result.jobStatus ?? 'in another state'}`);
    body.push(h('p', { class: 'lead', text: `Nothing was sent: ifStatus asked for ${ifStatus?.join(' or ') ?? 'another state'}, and the package read the job as ${result.jobStatus ?? 'unknown'} (${took}). The request id and attempts below are the read’s.` }));
    body.push(actionFields(result));
    announce(`${spec.verb} skipped: the job is ${result.jobStatus ?? 'in another state'}. No ${action} was sent.`);
  } else {
    showResult('ok', spec.done);
    body.push(h('p', { class: 'lead', text: `Graph answered ${result?.status ?? 204} No Content (${took}).` }));
    body.push(actionFields(result));
    announce(`${spec.done} after ${plural(result?.attempts ?? 1, 'attempt')}. Request id ${result?.requestId ?? 'unknown'}.`);
    hints.push(...stateHints(before, action));
    if (action === 'start' && before.code === 'Active') hints.push('The job was already running: starting it again changes nothing.');
    if (action === 'restart' && input.resetScope.length) hints.push(`Reset scope sent: ${input.resetScope.join(', ')}.`);
  }
  if (retries.length) {
    body.push(h('div', { class: 'retries' }, h('h3', { text: 'Retries (onRetry)' }),
      h('ol', { class: 'retry-list' }, retries.map((r) => h('li', { text: r })))));
  }
  body.push(hintList(hints, error ? 'What to check' : 'Good to know'));
  if (!error && !result?.skipped && action !== 'pause' && has('waitForSynchronizationJob')) {
    body.push(h('div', { class: 'buttons' },
      h('button', {
        type: 'button',
        class: 'wait-start',
        id: 'wait-start',
        onclick: () => runWait(input),
        text: 'Wait for the cycle',
      })));
  }
  body.push(stateView(before, after));
  body.push(rawError(error));
  els.resultBody.replaceChildren(...body.filter(Boolean));
  revealResult();
}

// ActionResult: { skipped, status?, requestId?, clientRequestId, attempts, jobStatus? }.
function actionFields(r) {
  const dl = h('dl', { class: 'fields' });
  field(dl, 'Skipped', r?.skipped ? 'yes' : 'no', { key: 'skipped' });
  field(dl, 'Status', r?.status, { key: 'status' });
  field(dl, 'Request id', r?.requestId, { code: true, key: 'requestId' });
  field(dl, 'Client request id', r?.clientRequestId, { code: true, key: 'clientRequestId' });
  field(dl, 'Attempts', r?.attempts, { key: 'attempts' });
  field(dl, 'Job status', r?.jobStatus, { key: 'jobStatus' });
  return dl;
}

// ---------- waiting for the cycle ----------

function renderWaitJob(job, polls) {
  const s = job?.status ?? {};
  const p = lastProgress(job);
  const run = s.lastExecution;
  const pct = percent(p) ?? 0;
  els.waitProgress.value = pct;
  els.waitProgress.setAttribute('aria-valuetext', `${pct}%${s.code ? `, ${s.code}` : ''}`);
  els.waitPercent.textContent = `${pct}%`;
  const dl = h('dl', { class: 'fields' });
  field(dl, 'status code', badge(s.code), { key: 'wait.code' });
  field(dl, 'progress', progressText(p), { key: 'wait.progress' });
  field(dl, 'last run', runState(run), { key: 'wait.lastState' });
  field(dl, 'began', when(run?.timeBegan), { key: 'wait.began' });
  field(dl, 'ended', when(run?.timeEnded), { key: 'wait.ended' });
  field(dl, 'counts', counts(run), { key: 'wait.counts' });
  field(dl, 'reads', polls, { key: 'wait.polls' });
  els.waitFields.replaceChildren(...dl.children);
}

async function runWait(input) {
  if (running) return;
  const controller = new AbortController();
  setRunning('wait', controller);
  els.wait.hidden = false;
  els.wait.className = 'result wait';
  els.waitOutcome.replaceChildren();
  els.waitJob.textContent = `Job ${input.job} of service principal ${input.sp}`;
  els.waitProgress.removeAttribute('value'); // indeterminate until the first read
  els.waitPercent.textContent = '';
  els.waitFields.replaceChildren();
  els.waitLive.textContent = 'Waiting for the cycle: reading the job every second…';
  $('wait-title').textContent = 'Waiting for the cycle';
  els.wait.focus();
  let polls = 0;
  let lastSaid = '';
  let job = null;
  let error = null;
  try {
    job = await need('waitForSynchronizationJob')(input.token, input.sp, input.job, {
      baseUrl: input.baseUrl,
      apiVersion: input.apiVersion,
      signal: controller.signal,
      retry: { maxRetries: input.maxRetries },
      until: 'cycleComplete',
      pollIntervalMs: WAIT_POLL_MS,
      onProgress: (j) => {
        polls += 1;
        renderWaitJob(j, polls);
        // Announce changes of state, not every read.
        const p = lastProgress(j);
        const pct = percent(p) ?? 0;
        const said = `${j?.status?.code ?? 'unknown'} ${Math.floor(pct / 25)}`;
        if (said !== lastSaid) {
          lastSaid = said;
          els.waitLive.textContent = `The job is ${j?.status?.code ?? 'unknown'}: ${pct}% done.`;
        }
      },
    });
  } catch (e) {
    error = e;
  }
  setRunning(null);
  if (job) renderWaitJob(job, polls);
  else if (error?.job) renderWaitJob(error.job, polls);
  const out = [];
  // A job that failed: the whole job as last read (its quarantine too) instead of the live fields.
  if (error?.job && error.kind === 'jobFailed') {
    const dl = jobView(error.job, '').querySelector('dl');
    field(dl, 'reads', polls, { key: 'wait.polls' });
    els.waitFields.replaceChildren(...dl.children);
  }
  if (!error) {
    const run = job?.status?.lastExecution;
    els.wait.className = 'result wait result-ok';
    $('wait-title').textContent = `Cycle ended: ${run?.state ?? job?.status?.code ?? 'done'}`;
    els.waitLive.textContent = `Cycle ended: ${run?.state ?? 'done'}. The job is ${job?.status?.code ?? 'unknown'}; ${plural(polls, 'read')}.`;
  } else if (error instanceof GraphError && error.kind === 'jobFailed') {
    const q = error.job?.status?.quarantine;
    els.wait.className = 'result wait result-error';
    $('wait-title').textContent = q ? `Quarantined: ${q.reason ?? 'quarantine'}` : 'The cycle failed';
    out.push(h('p', { class: 'lead', text: `waitForSynchronizationJob rejected with a GraphError of kind jobFailed: ${error.message}` }));
    out.push(hintList([
      ...(error.hint ? [{ text: error.hint, from: 'graph-sync-job' }] : []),
      q ? 'Fix the cause (for TooManyDeletes: review the pending deletions or raise the threshold), then restart the job with the QuarantineState reset scope.'
        : 'Look at the provisioning logs for the failed run, fix the cause, then start the job again.',
    ], 'What to check'));
    els.waitLive.textContent = `${$('wait-title').textContent}.`;
  } else if (error instanceof GraphError && error.kind === 'aborted') {
    $('wait-title').textContent = 'Stopped waiting';
    els.waitLive.textContent = 'You cancelled the wait. The job itself goes on: Read state shows where it is.';
  } else {
    els.wait.className = 'result wait result-error';
    $('wait-title').textContent = `Waiting failed: ${describeError(error)}`;
    out.push(h('p', { class: 'lead', text: String(error?.message ?? error) }), rawError(error));
    els.waitLive.textContent = `Waiting failed: ${describeError(error)}.`;
  }
  els.waitOutcome.replaceChildren(...out.filter(Boolean));
  els.wait.focus();
  if (onEmulator()) refreshSeedStates();
}

// ---------- all jobs ----------

const BULK = {
  start: { fn: 'startSynchronizationJobs', verb: 'Start', button: els.bulkStart },
  pause: { fn: 'pauseSynchronizationJobs', verb: 'Pause', button: els.bulkPause },
  restart: { fn: 'restartSynchronizationJobs', verb: 'Restart', button: els.bulkRestart },
};

function ticked() {
  return [...els.bulkJobs.querySelectorAll('input[type="checkbox"]:checked')].map((c) => bulkJobs[Number(c.dataset.index)]);
}

function bulkTargets() {
  const t = ticked();
  return t.length ? t : bulkJobs;
}

function updateBulkButtons() {
  const n = ticked().length;
  for (const spec of Object.values(BULK)) spec.button.textContent = n ? `${spec.verb} ${n} ticked` : `${spec.verb} all`;
  els.bulkAll.checked = n > 0 && n === bulkJobs.length;
  els.bulkAll.indeterminate = n > 0 && n < bulkJobs.length;
}

function renderBulkJobs() {
  els.bulkCaption.textContent = bulkJobs.length
    ? `${plural(bulkJobs.length, 'job')}${bulkFromSeed ? ' seeded in the emulator' : ''}`
    : 'No jobs listed: list the jobs of a service principal first.';
  els.bulkJobs.replaceChildren(
    ...bulkJobs.map((j, i) =>
      h('tr', { 'data-index': String(i), 'data-job': j.jobId },
        h('td', { class: 'tick' }, h('input', {
          type: 'checkbox',
          'data-index': String(i),
          'aria-label': `Tick ${j.app ?? j.servicePrincipalId} job ${j.jobId}`,
          onchange: updateBulkButtons,
        })),
        h('td', { 'data-label': 'Application', text: j.app ?? j.servicePrincipalId }),
        h('td', { 'data-label': 'Job id' }, h('code', { text: j.jobId })),
        h('td', { 'data-label': 'Status', 'data-cell': 'state' }, badge(j.state)),
      ),
    ),
  );
  updateBulkButtons();
}

async function listJobsOfSp() {
  if (running) return;
  const input = readForm();
  const controller = new AbortController();
  setRunning('bulk', controller);
  els.bulkStatus.textContent = 'Listing the jobs…';
  try {
    const jobs = await need('listSynchronizationJobs')(input.token, input.sp, common(input, controller.signal));
    const app = config.seed?.servicePrincipals.find((s) => s.id === input.sp)?.displayName;
    bulkFromSeed = false;
    bulkJobs = jobs.map((j) => ({ servicePrincipalId: input.sp, jobId: j.id, app: app ?? input.sp, state: j.status?.code }));
    renderBulkJobs();
    els.bulkStatus.textContent = `${plural(jobs.length, 'job')} listed for ${input.sp}.`;
  } catch (e) {
    els.bulkStatus.textContent = `Listing failed: ${describeError(e)}${e instanceof GraphError ? `. ${e.message}` : ''}`;
  }
  setRunning(null);
}

function bulkProgress({ done, total, ok, failed, skipped }) {
  els.bulkProgress.max = Math.max(1, total);
  els.bulkProgress.value = done;
  els.bulkCount.textContent = `${done} of ${total}`;
  els.bulkStatus.textContent = `${done} of ${total} done: ${ok} ok, ${skipped} skipped, ${failed} failed.`;
}

async function runBulk(action) {
  if (running) return;
  const spec = BULK[action];
  const input = readForm();
  const items = bulkTargets();
  if (!items.length) {
    els.bulkStatus.textContent = 'No jobs to act on: list some first.';
    return;
  }
  const controller = new AbortController();
  setRunning('bulk', controller);
  els.bulkResults.hidden = true;
  bulkProgress({ done: 0, total: items.length, ok: 0, failed: 0, skipped: 0 });
  const options = { ...common(input, controller.signal), concurrency: 4, onProgress: bulkProgress };
  if (els.bulkIfStatus.checked) options.ifStatus = IF_STATUS;
  if (action === 'restart' && input.resetScope.length) options.resetScope = input.resetScope;
  const started = performance.now();
  let results = null;
  let error = null;
  try {
    results = await need(spec.fn)(
      input.token,
      items.map(({ servicePrincipalId, jobId }) => ({ servicePrincipalId, jobId })),
      options,
    );
  } catch (e) {
    error = e;
  }
  const took = Math.round(performance.now() - started);
  setRunning(null);
  if (results) {
    renderBulkResults(spec, items, results, took);
  } else {
    els.bulkResults.hidden = true;
    els.bulkStatus.textContent = error instanceof GraphError
      ? `${spec.verb} of ${plural(items.length, 'job')} stopped: ${describeError(error)}. ${error.message}`
      : `${spec.verb} of ${plural(items.length, 'job')} stopped: ${describeError(error)}`;
  }
  els.bulk.focus();
  if (onEmulator()) refreshSeedStates();
}

function renderBulkResults(spec, items, results, took) {
  const n = { ok: 0, skipped: 0, failed: 0 };
  const rows = results.map((r, i) => {
    const outcome = r.skipped ? 'skipped' : r.ok ? 'ok' : 'failed';
    n[outcome] += 1;
    const app = items[i]?.app ?? r.servicePrincipalId;
    return h('tr', { 'data-job': r.jobId, 'data-outcome': outcome },
      h('td', { 'data-label': 'Application', text: app }),
      h('td', { 'data-label': 'Job id' }, h('code', { text: r.jobId })),
      h('td', { 'data-label': 'Outcome', 'data-cell': 'outcome' }, h('span', { class: `outcome outcome-${outcome}`, text: outcome })),
      h('td', { 'data-label': 'HTTP status', 'data-cell': 'status', text: String(r.status ?? r.error?.status ?? '—') }),
      h('td', { 'data-label': 'Job status', 'data-cell': 'jobStatus' }, r.jobStatus ? badge(r.jobStatus) : '—'),
      h('td', { 'data-label': 'Error code', 'data-cell': 'code' }, r.error
        ? h('span', { title: r.error.message ?? '' }, h('code', { text: r.error.code ?? 'error' }))
        : '—'),
    );
  });
  els.bulkResults.tBodies[0].replaceChildren(...rows);
  const summary = `${spec.verb}: ${plural(results.length, 'job')}, ${n.ok} ok, ${n.skipped} skipped, ${n.failed} failed (${took} ms).`;
  els.bulkResultsCaption.textContent = `${spec.verb}: one row per job`;
  els.bulkResults.hidden = false;
  els.bulkStatus.textContent = summary;
}

// ---------- wiring ----------

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (!els.start.dataset.missing) runAction('start');
});
els.pause.addEventListener('click', () => runAction('pause'));
els.restart.addEventListener('click', () => runAction('restart'));
els.read.addEventListener('click', runRead);
els.cancel.addEventListener('click', cancel);
els.bulkCancel.addEventListener('click', cancel);
els.waitCancel.addEventListener('click', cancel);
for (const [action, spec] of Object.entries(BULK)) spec.button.addEventListener('click', () => runBulk(action));
els.bulkList.addEventListener('click', listJobsOfSp);
els.bulkSeed.addEventListener('click', () => {
  useSeedJobs();
  refreshSeedStates();
});
els.bulkAll.addEventListener('change', () => {
  for (const c of els.bulkJobs.querySelectorAll('input[type="checkbox"]')) c.checked = els.bulkAll.checked;
  updateBulkButtons();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && running) cancel();
});
els.endpoint.addEventListener('change', endpointChanged);
els.showToken.addEventListener('click', () => {
  const show = els.token.type === 'password';
  els.token.type = show ? 'text' : 'password';
  els.showToken.setAttribute('aria-pressed', String(show));
  els.showToken.textContent = show ? 'Hide' : 'Show';
});
$('use-demo').addEventListener('click', () => {
  const sp = config.seed?.servicePrincipals.find((s) => s.jobs.some((j) => j.state === 'Paused')) ?? config.seed?.servicePrincipals[0];
  const job = sp?.jobs.find((j) => j.state === 'Paused') ?? sp?.jobs[0];
  if (sp && job) fill(sp.id, job.id, demoToken(true));
  announce(`Filled in the demo token and the ${sp?.displayName ?? ''} job ${job?.id ?? ''}.`);
});
$('use-readonly').addEventListener('click', () => {
  els.token.value = demoToken(false) ?? '';
  announce('Filled in the read-only demo token: reading works, starting a job is refused (403).');
});

checkExports();
setRunning(null);
setAttempt(0);
loadConfig();
