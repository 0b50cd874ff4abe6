// The demo page. No framework, no build step: the package is imported as a user would import it,
// from the files of the built package (pkg/, served at /pkg/).
import { startSynchronizationJob, GraphError } from '/pkg/browser.js';

const $ = (id) => document.getElementById(id);
const form = $('start-form');
const els = {
  where: $('where'),
  endpoint: $('endpoint'),
  token: $('token'),
  showToken: $('show-token'),
  sp: $('sp'),
  job: $('job'),
  maxRetries: $('max-retries'),
  timeout: $('timeout'),
  clientRequestId: $('client-request-id'),
  start: $('start'),
  cancel: $('cancel'),
  attempt: $('attempt'),
  attemptMax: $('attempt-max'),
  status: $('status'),
  retryLog: $('retry-log'),
  result: $('result'),
  resultTitle: $('result-title'),
  resultBody: $('result-body'),
  emulatorTools: $('emulator-tools'),
  seedList: $('seed-list'),
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let config = { emulatorUrl: null, clouds: [], seed: null };
let controller = null;

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

const onEmulator = () => Boolean(config.emulatorUrl) && els.endpoint.value === config.emulatorUrl;
const demoToken = (writable) =>
  config.seed?.tokens?.find((t) => t.scopes.some((s) => (writable ? /ReadWrite/ : /\.Read\./).test(s)))?.token;

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
  els.where.className = `banner ${emu ? 'banner-emulator' : 'banner-graph'}`;
  els.where.textContent = emu
    ? `Talking to the local Graph emulator at ${config.emulatorUrl}: no tenant, no internet needed.`
    : `Talking to the real Microsoft Graph at ${els.endpoint.value}: use a token from your tenant.`;
  if (emu) refreshSeedStates();
}

function fill(sp, job, token) {
  els.sp.value = sp;
  els.job.value = job;
  if (token) els.token.value = token;
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
                h('span', { class: `state state-${state}`, text: state }),
              ),
            );
          }),
        ),
      ),
    ),
  );
}

// The seed list shows each job's live state, read with the emulator's demo token (plain fetch:
// the package has no status call).
async function refreshSeedStates() {
  const token = demoToken(true);
  const seed = config.seed;
  if (!seed || !token || !config.emulatorUrl) return renderSeed();
  const states = {};
  await Promise.all(
    seed.servicePrincipals.map(async (sp) => {
      try {
        const r = await fetch(`${config.emulatorUrl}/beta/servicePrincipals/${encodeURIComponent(sp.id)}/synchronization/jobs`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!r.ok) return;
        for (const job of (await r.json()).value ?? []) states[`${sp.id}/${job.id}`] = job.status?.code;
      } catch {
        // keep the seeded state
      }
    }),
  );
  renderSeed(states);
}

// ---------- the job's state: a plain GET, because graph-sync-job only starts jobs ----------

// GET {root}/{version}/servicePrincipals/{sp}/synchronization/jobs/{job}. The package has no
// status call, so the page reads the job's state itself with fetch.
async function readJobState({ baseUrl, apiVersion, token, sp, job }, signal) {
  if (!token || !sp || !job) return { skipped: 'missing token or ids' };
  const url = `${baseUrl.replace(/\/+$/, '')}/${apiVersion}/servicePrincipals/${encodeURIComponent(sp)}/synchronization/jobs/${encodeURIComponent(job)}`;
  try {
    const r = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
    const body = await r.json().catch(() => null);
    if (!r.ok) {
      return { status: r.status, error: `${r.status} ${body?.error?.code ?? r.statusText}` };
    }
    return { status: r.status, code: body?.status?.code ?? 'unknown', quarantine: body?.status?.quarantine ?? null };
  } catch (e) {
    return { error: e.name === 'AbortError' ? 'cancelled' : 'no answer' };
  }
}

// ---------- running a start ----------

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
  };
}

function announce(text) {
  els.status.textContent = text;
}

function setRunning(running) {
  els.start.disabled = running;
  els.cancel.disabled = !running;
  form.setAttribute('aria-busy', String(running));
}

function setAttempt(n, max) {
  els.attempt.value = String(n);
  els.attempt.textContent = String(n);
  els.attemptMax.textContent = max ? `of up to ${max}` : '';
}

async function run(event) {
  event.preventDefault();
  if (controller) return;
  const input = readForm();
  controller = new AbortController();
  const { signal } = controller;
  setRunning(true);
  els.result.hidden = true;
  els.retryLog.replaceChildren();
  setAttempt(0, input.maxRetries + 1);
  announce('Reading the job’s state…');

  const before = await readJobState(input, signal);
  let response = null;
  let error = null;
  const retries = [];
  setAttempt(1, input.maxRetries + 1);
  announce('Starting the job: attempt 1…');
  const started = performance.now();
  try {
    await startSynchronizationJob(input.token, input.sp, input.job, {
      baseUrl: input.baseUrl,
      apiVersion: input.apiVersion,
      signal,
      timeoutMs: input.timeoutMs,
      retry: { maxRetries: input.maxRetries },
      clientRequestId: input.clientRequestId,
      onRetry: ({ attempt, delayMs, error: why }) => {
        setAttempt(attempt + 1, input.maxRetries + 1);
        const reason = why.status ? `${why.status} ${why.code}` : why.code;
        retries.push(`Attempt ${attempt} failed (${reason}); retry ${attempt} in ${Math.round(delayMs)} ms.`);
        els.retryLog.append(h('li', { text: retries.at(-1) }));
        announce(`Attempt ${attempt} failed (${reason}). Retrying in ${Math.round(delayMs)} ms (attempt ${attempt + 1}).`);
      },
      onResponse: (info) => {
        response = info;
      },
    });
  } catch (e) {
    error = e;
  }
  const elapsedMs = performance.now() - started;
  controller = null;
  // When the state could not be read before (refused token, unknown ids), reading it again
  // would only repeat that answer.
  const after = before.skipped
    ? { skipped: before.skipped }
    : before.status >= 400 && before.status < 500 && before.status !== 429
      ? { skipped: `as before: ${before.error}` }
      : await readJobState(input);
  setRunning(false);
  if (error) setAttempt(error.attempts ?? 0, input.maxRetries + 1);
  else if (response) setAttempt(response.attempts, input.maxRetries + 1);
  render({ input, before, after, response, error, elapsedMs, retries });
  if (onEmulator()) refreshSeedStates();
}

function cancel() {
  controller?.abort(new DOMException('Cancelled from the demo page', 'AbortError'));
}

// ---------- the outcome ----------

function field(dl, name, value, opts = {}) {
  const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length);
  const dd = h('dd', { 'data-field': opts.key ?? name });
  if (empty) dd.append(h('span', { class: 'none', text: '—' }), h('span', { class: 'visually-hidden', text: 'none' }));
  else if (opts.pre) dd.append(h('pre', { text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }));
  else if (opts.code) dd.append(h('code', { text: String(value) }));
  else dd.textContent = String(value);
  dl.append(h('div', { class: 'row' }, h('dt', { text: name }), dd));
}

function stateText(s) {
  if (s.code) return s.code;
  if (s.skipped) return `not read (${s.skipped})`;
  return `could not read (${s.error})`;
}

function stateView(before, after) {
  const badge = (s) => h('span', { class: `state ${s.code ? `state-${s.code}` : 'state-unknown'}`, text: stateText(s) });
  return h(
    'div',
    { class: 'states' },
    h('h3', { text: 'Job state' }),
    h('p', { class: 'state-line', 'data-testid': 'state-line' },
      h('span', { class: 'state-label', text: 'Before: ' }), badge(before),
      h('span', { class: 'arrow', 'aria-hidden': 'true', text: ' → ' }),
      h('span', { class: 'state-label', text: ' After: ' }), badge(after)),
    h('p', { class: 'hint', text: 'Read with a plain GET …/synchronization/jobs/{jobId}: graph-sync-job only starts jobs; it has no status call.' }),
  );
}

function seedMatchForAppId(id) {
  return config.seed?.servicePrincipals.find((sp) => sp.appId.toLowerCase() === id.toLowerCase());
}

// Hints for the common mistakes, from the error and the state before.
function hints({ input, before, error, response }) {
  const out = [];
  const emu = onEmulator();
  const quarantine = before.code === 'Quarantine';
  if (quarantine) {
    const q = before.quarantine;
    const why = q?.error?.message ?? q?.reason ?? '';
    out.push(
      `The job was in quarantine${q?.reason ? ` (${q.reason})` : ''}. Starting it lifts the quarantine, but unless the cause is fixed it will be quarantined again. ${why}`.trim(),
    );
  }
  if (response && before.code === 'Active') out.push('The job was already running: starting it again changes nothing.');
  if (!error) return out;
  const { kind, status, code = '' } = error;
  if (kind === 'http' && status === 404) {
    const seedSp = emu && GUID.test(input.sp) ? seedMatchForAppId(input.sp) : null;
    if (seedSp) {
      out.push({
        text: `${input.sp} is the appId of ${seedSp.displayName}, not its service principal’s object id (${seedSp.id}).`,
        action: { label: 'Use the object id', run: () => { els.sp.value = seedSp.id; els.sp.focus(); } },
      });
    } else if (input.job && error.message.includes(input.job) && !error.message.includes(input.sp)) {
      out.push('The service principal exists but has no job with this id: list its jobs with GET /servicePrincipals/{id}/synchronization/jobs.');
    } else {
      out.push(
        `Graph found no service principal with this id.${GUID.test(input.sp) ? ' The most common mistake is giving the application’s appId (client id) instead of the service principal’s object id:' : ' Give the service principal’s object id (a GUID):'} in the Entra admin center, Enterprise applications → your app → Object ID, or GET /servicePrincipals(appId='{appId}').`,
      );
      if (emu) out.push('On the emulator, compare with the seed’s object ids and appIds listed under “Seed jobs”.');
    }
  } else if ((status === 403 && code === 'Authorization_RequestDenied') || (status === 401 && code === 'UnknownError')) {
    out.push(
      'The token is valid but lacks the permission to start jobs: it needs Synchronization.ReadWrite.All (application permission with admin consent), or delegated with a role such as Application Administrator.',
    );
    if (emu && input.token === demoToken(false)) {
      out.push(`On the emulator, ${input.token} only has Synchronization.Read.All: use ${demoToken(true)}.`);
    }
  } else if (status === 401) {
    out.push(
      `Graph did not accept the token (${code || 'unauthorized'}): it is expired, malformed, or issued for another audience or cloud.${emu ? '' : ` Request it for the scope ${input.baseUrl}/.default.`}`,
    );
    if (emu && demoToken(true)) out.push(`The emulator accepts ${demoToken(true)} (“Use demo values”).`);
  } else if (status === 400 && /NotConfigured|not configured/i.test(error.message)) {
    out.push('The job is not configured yet: save its credentials and schema (in the portal: Provisioning) before starting it.');
  } else if (kind === 'http' && [429, 503, 504].includes(status)) {
    out.push(
      `Graph was still refusing (${status}) after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}. Wait${error.retryAfterMs ? ` at least ${error.retryAfterMs} ms` : ''} and try again, or allow more retries.`,
    );
  } else if (kind === 'aborted') {
    out.push('You cancelled the call. If the request had already reached Graph the job may still start: check the state after (or read it again).');
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
    h('ul', {}, items.map((item) =>
      typeof item === 'string'
        ? h('li', { text: item })
        : h('li', {}, item.text, ' ', h('button', { type: 'button', class: 'secondary small', onclick: item.action.run, text: item.action.label })),
    )),
  );
}

function render({ input, before, after, response, error, elapsedMs, retries }) {
  const body = [];
  const dl = h('dl', { class: 'fields' });
  const took = `${Math.round(elapsedMs)} ms`;
  if (!error) {
    els.result.className = 'result result-ok';
    els.resultTitle.textContent = 'Job started';
    body.push(h('p', { class: 'lead', text: `Graph answered ${response?.status ?? 204} No Content (${took}).` }));
    field(dl, 'Request id', response?.requestId, { code: true, key: 'requestId' });
    field(dl, 'Client request id', response?.clientRequestId, { code: true, key: 'clientRequestId' });
    field(dl, 'Status', response?.status, { key: 'status' });
    field(dl, 'Attempts', response?.attempts, { key: 'attempts' });
    body.push(dl);
    announce(`Job started after ${response?.attempts ?? 1} attempt(s). Request id ${response?.requestId ?? 'unknown'}.`);
  } else if (error instanceof GraphError) {
    els.result.className = 'result result-error';
    els.resultTitle.textContent = `Start failed: ${error.kind}${error.status ? ` ${error.status}` : ''} ${error.code}`;
    body.push(h('p', { class: 'lead', text: `startSynchronizationJob rejected with a GraphError (${took}).` }));
    field(dl, 'kind', error.kind, { key: 'kind' });
    field(dl, 'status', error.status, { key: 'status' });
    field(dl, 'code', error.code, { code: true, key: 'code' });
    field(dl, 'message', error.message, { key: 'message' });
    field(dl, 'request id', error.requestId, { code: true, key: 'requestId' });
    field(dl, 'client request id', error.clientRequestId, { code: true, key: 'clientRequestId' });
    field(dl, 'date', error.date, { key: 'date' });
    field(dl, 'inner errors', error.innerErrors, { pre: true, key: 'innerErrors' });
    field(dl, 'retry-after', error.retryAfterMs === undefined ? undefined : `${error.retryAfterMs} ms`, { key: 'retryAfter' });
    field(dl, 'attempts', error.attempts, { key: 'attempts' });
    if (error.argument) field(dl, 'argument', error.argument, { code: true, key: 'argument' });
    if (error.details?.length) field(dl, 'details', error.details, { pre: true, key: 'details' });
    body.push(dl);
    announce(`Start failed: ${els.resultTitle.textContent.replace('Start failed: ', '')}. ${error.message}`);
  } else {
    els.result.className = 'result result-error';
    els.resultTitle.textContent = 'Start failed: unexpected error';
    body.push(h('p', { class: 'lead', text: String(error) }));
    announce(`Start failed: ${String(error)}`);
  }
  if (retries.length) {
    body.push(h('div', { class: 'retries' }, h('h3', { text: 'Retries (onRetry)' }),
      h('ol', { class: 'retry-list' }, retries.map((r) => h('li', { text: r })))));
  }
  body.push(hintList(hints({ input, before, error, response }), error ? 'What to check' : 'Good to know'));
  body.push(stateView(before, after));
  if (error instanceof GraphError) {
    body.push(h('details', { class: 'raw' }, h('summary', { text: 'The whole error: error.toJSON()' }),
      h('pre', { text: JSON.stringify(error.toJSON(), null, 2) })));
  }
  els.resultBody.replaceChildren(...body.filter(Boolean));
  els.result.hidden = false;
  $('placeholder').hidden = true;
  els.result.focus();
}

// ---------- wiring ----------

form.addEventListener('submit', run);
els.cancel.addEventListener('click', cancel);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && controller) cancel();
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
  announce('Filled in the read-only demo token: starting a job with it is refused (403).');
});

setAttempt(0);
loadConfig();
