// The demo page end to end: scripts/demo.sh (emulator + www/serve.mjs) driven in headless
// Chromium through playwright-core. Every case asserts what the page shows and what the emulator
// holds or received (GET /_emulator/requests), and fails on any console error or failed request
// the case does not provoke itself. Provisioning cycles are shortened through the control API.
// Screenshots: target/demo-screenshots/ (printed). DEMO_UPDATE_DOCS=1 also rewrites docs/demo.png.
// Run: `make test-demo` (needs `make pkg` and the emulator built).
import { test as nodeTest, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, copyFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { control as emulatorControl } from '../support/emulator.mjs';

const root = new URL('../..', import.meta.url).pathname;
const { chromium } = createRequire(join(root, 'package.json'))('playwright-core');
const shots = join(root, 'target', 'demo-screenshots');

const SF = '3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d';
const SF_APP_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const PAUSED = 'salesforce.e4bbf44533ea4eabb17027f3a92e92aa';
const QUARANTINED = 'salesforce.0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e.7c1d9f4e-3b2a-4c5d-8e6f-9a0b1c2d3e4f';
const SN = '8d2e4f6a-1b3c-4d5e-a6f7-0b1c2d3e4f5a';
const NOT_RUN = 'serviceNow.1f2e3d4c5b6a79880716253443526170';
const ACTIVE = 'serviceNow.a1b2c3d4e5f60718293a4b5c6d7e8f90';
const WD = 'b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e';
const NOT_CONFIGURED = 'workday.9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

// A case that hangs fails instead (the longest, waiting for a cycle, takes about 4 s).
const test = (name, fn) => nodeTest(name, { timeout: 30_000 }, fn);

let demo, pageUrl, emulator, browser, context, page;
let seen; // console errors, page errors and failed requests of the current case
let expected; // what the current case provokes: [{ what, re, count }]

const control = (method, path, body) => emulatorControl(emulator, method, path, body);

async function readJob(sp, job) {
  const r = await fetch(`${emulator}/beta/servicePrincipals/${sp}/synchronization/jobs/${job}`, {
    headers: { authorization: 'Bearer demo-token-readwrite' },
  });
  return r.json();
}
const jobState = async (sp, job) => (await readJob(sp, job)).status.code;

// The requests the emulator received for a job (or any path part), by method.
async function received(pathPart, method) {
  const { requests } = await control('GET', `/requests?pathContains=${encodeURIComponent(pathPart)}`);
  return requests.filter((r) => !method || r.method === method);
}

// The bulk calls go through $batch: the sub-requests the emulator received, as
// { method, action ('start' | 'pause' | 'restart' | '' for a read), job, body }.
async function batched() {
  const batches = await received('batch', 'POST');
  return batches.flatMap((b) => JSON.parse(b.body).requests).map((r) => {
    const m = r.url.match(/\/jobs\/([^/]+)(?:\/(\w+))?$/);
    return { method: r.method, job: decodeURIComponent(m[1]), action: m[2] ?? '', body: r.body };
  });
}

function rawStatus(url, path) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, type: res.headers['content-type'] });
    }).on('error', reject).end();
  });
}

async function refused(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (e) {
    return e.cause?.code === 'ECONNREFUSED';
  }
}

async function fill({ token, sp, job }) {
  await page.fill('#token', token);
  await page.fill('#sp', sp);
  await page.fill('#job', job);
}

async function startAndWait() {
  await page.click('#start');
  await page.waitForSelector('#result:not([hidden])', { timeout: 10_000 });
  await page.waitForFunction(() => !document.querySelector('#start').disabled);
}

const fieldText = (key, where = '#result') => page.textContent(`${where} [data-field="${key}"]`).then((t) => t.trim());
const text = (sel) => page.textContent(sel).then((t) => t.replace(/\s+/g, ' ').trim());

async function clickAndWait(sel) {
  await page.click(sel);
  await page.waitForSelector('#result:not([hidden])', { timeout: 10_000 });
  await page.waitForFunction(() => !document.querySelector('#start').disabled);
}

// The rows of the "All jobs" result table: { job: [outcome, HTTP status, job status, error code] }.
const bulkRows = () => page.$$eval('#bulk-results tbody tr', (rows) => Object.fromEntries(rows.map((r) => [
  r.dataset.job,
  ['outcome', 'status', 'jobStatus', 'code'].map((c) => r.querySelector(`[data-cell="${c}"]`).textContent.trim()),
])));

async function bulkAndWait(sel) {
  await page.click(sel);
  await page.waitForSelector('#bulk-results:not([hidden])', { timeout: 10_000 });
  await page.waitForFunction(() => !document.querySelector('#bulk-start').disabled);
}
const stateLine = () => page.textContent('[data-testid="state-line"]').then((t) => t.replace(/\s+/g, ' ').trim());

async function shot(name, opts = {}) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true, ...opts });
  return path;
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  console.log(`# screenshots: ${shots}`);
  demo = spawn(join(root, 'scripts/demo.sh'), [], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`demo.sh printed no URL: ${out}`)), 20_000);
    demo.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^Demo: (http:\/\/127\.0\.0\.1:\d+)\/ {2}\(emulator at (http:\/\/127\.0\.0\.1:\d+); Ctrl-C to stop\)$/m);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    demo.on('exit', (code) => reject(new Error(`demo.sh exited (${code}): ${out}`)));
  });
  [, pageUrl, emulator] = line;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  context = await browser.newContext({ viewport: { width: 1000, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(10_000); // below the case's own 30 s, so a failure names what it waited for
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push({ what: 'console', text: `${m.text()} ${m.location().url ?? ''}` });
  });
  page.on('pageerror', (e) => seen.push({ what: 'pageerror', text: String(e) }));
  page.on('requestfailed', (r) => seen.push({ what: 'requestfailed', text: `${r.failure()?.errorText} ${r.method()} ${r.url()}` }));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== pageUrl && u.origin !== emulator && u.protocol !== 'data:') {
      seen.push({ what: 'external request', text: r.url() });
    }
  });
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGINT');
    await new Promise((resolve) => demo.once('exit', resolve));
  }
});

beforeEach(async () => {
  await control('POST', '/reset');
  seen = [];
  expected = [];
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.goto(`${pageUrl}/`);
  await page.waitForSelector('#seed-list .seed-job');
});

afterEach(() => {
  let rest = seen;
  for (const { what, re, count } of expected) {
    const hits = rest.filter((s) => s.what === what && re.test(s.text));
    assert.equal(hits.length, count, `expected ${count} × ${what} ${re}, saw: ${JSON.stringify(seen, null, 1)}`);
    rest = rest.filter((s) => !hits.includes(s));
  }
  assert.deepEqual(rest, [], 'unexpected console errors or failed requests');
});

test('the server: MIME types, /config.json, path traversal refused', async () => {
  assert.equal((await rawStatus(pageUrl, '/pkg/web/graph_sync_job_bg.wasm')).type, 'application/wasm');
  assert.match((await rawStatus(pageUrl, '/pkg/browser.js')).type, /^text\/javascript/);
  assert.match((await rawStatus(pageUrl, '/')).type, /^text\/html/);
  // Every Graph call goes through the package: the page's only own fetch is /config.json.
  const app = await (await fetch(`${pageUrl}/app.js`)).text();
  assert.deepEqual(app.match(/\bfetch\(\s*[^,)]*/g), ["fetch('/config.json'"]);
  assert.equal(await page.isHidden('#missing'), true, await page.textContent('#missing'));
  const config = await (await fetch(`${pageUrl}/config.json`)).json();
  assert.equal(config.emulatorUrl, emulator);
  for (const p of ['/../Makefile', '/%2e%2e/Makefile', '/pkg/..%2fMakefile', '/pkg/%2e%2e/%2e%2e/etc/passwd', '/.git/config', '/..%5cMakefile']) {
    assert.ok([403, 404].includes((await rawStatus(pageUrl, p)).status), p);
  }
  // The page is on the emulator by default, with the four clouds selectable.
  assert.equal(await page.inputValue('#endpoint'), emulator);
  const options = await page.$$eval('#endpoint option', (os) => os.map((o) => o.value));
  assert.deepEqual(options, [emulator, 'https://graph.microsoft.com', 'https://graph.microsoft.us',
    'https://dod-graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn']);
  assert.equal(await page.getAttribute('#token', 'type'), 'password');
  assert.equal(await page.getAttribute('#token', 'autocomplete'), 'off');
  await page.selectOption('#endpoint', 'https://graph.microsoft.us');
  assert.match(await page.textContent('#where'), /real Microsoft Graph at https:\/\/graph\.microsoft\.us/);
  assert.equal(await page.isHidden('#emulator-tools'), true);
});

test("init(input) in Chromium: every form it takes loads the browser entry's wasm; a missing one rejects wasmLoadFailed, then retries", async () => {
  expected.push({ what: 'console', re: /404/, count: 1 });
  // The missing wasm's request ends when init lets its error page go: finished, or failed as
  // aborted when that came first. Either is this case's own doing.
  const missingDone = new Promise((resolve) => {
    const done = (r) => {
      if (!r.url().endsWith('/missing.wasm')) return;
      page.off('requestfinished', done);
      page.off('requestfailed', done);
      resolve();
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  });
  const results = await page.evaluate(async () => {
    const url = '/pkg/web/graph_sync_job_bg.wasm';
    const bytes = async () => (await fetch(url)).arrayBuffer();
    // Each gives [input]: the array keeps a promise of a Response from being awaited here.
    const forms = {
      'nothing (the entry\'s own URL)': () => [undefined],
      string: () => [url],
      URL: () => [new URL(url, location.href)],
      Request: () => [new Request(url)],
      'Response (application/wasm: compiled while it downloads)': async () => [await fetch(url)],
      'promise of a Response': () => [fetch(url)],
      'Response of another type (compiled from its bytes)': async () => [new Response(await bytes(), { headers: { 'content-type': 'application/octet-stream' } })],
      ArrayBuffer: async () => [await bytes()],
      Uint8Array: async () => [new Uint8Array(await bytes())],
      'WebAssembly.Module': async () => [await WebAssembly.compile(await bytes())],
    };
    // The wasm answers once loaded: a token this short is refused before anything is sent.
    const works = async (m) => {
      const e = await m.startSynchronizationJob('short', 'sp', 'job').catch((err) => err);
      return `${e.name} ${e.code}`;
    };
    const out = {};
    let n = 0;
    for (const [name, make] of Object.entries(forms)) {
      const m = await import(`/pkg/browser.js?init=${n++}`); // a module instance of its own each
      const [input] = await make();
      out[name] = await m.init(input).then(() => works(m), (e) => `init failed: ${e.code} ${e.message}`);
    }
    const m = await import('/pkg/browser.js?init=missing');
    const e = await m.init('/pkg/web/missing.wasm').catch((err) => err);
    out.missing = `${e.name} ${e.kind} ${e.code} cause ${e.cause instanceof Error}`;
    out['then the right URL'] = await m.init(url).then(() => works(m), (err) => `init failed: ${err.code}`);
    return out;
  });
  const names = Object.keys(results).filter((k) => k !== 'missing');
  assert.equal(names.length, 11);
  for (const name of names) assert.equal(results[name], 'GraphError invalidArgument', name);
  assert.equal(results.missing, 'GraphError network wasmLoadFailed cause true');
  await missingDone;
  seen = seen.filter((x) => !(x.what === 'requestfailed' && /ERR_ABORTED GET \S+\/missing\.wasm$/.test(x.text)));
});

test('a paused job turns Active: the ActionResult, the job read after; focus moves to the result', async () => {
  assert.equal(await jobState(SF, PAUSED), 'Paused');
  await page.click('#use-demo'); // the demo token and the paused Salesforce job
  assert.equal(await page.inputValue('#sp'), SF);
  assert.equal(await page.inputValue('#job'), PAUSED);
  await startAndWait();
  assert.equal(await page.textContent('#result-title'), 'Job started');
  const requestId = await fieldText('requestId');
  assert.match(requestId, GUID);
  // The ActionResult field by field.
  assert.equal(await fieldText('skipped'), 'no');
  assert.equal(await fieldText('status'), '204');
  assert.equal(await fieldText('attempts'), '1');
  assert.equal(await stateLine().then((t) => t.match(/Before: (\w+) → After: (\w+)/)?.slice(1).join(' → ')), 'Paused → Active');
  assert.equal(await jobState(SF, PAUSED), 'Active');
  // The job read after the start (getSynchronizationJob): a cycle under way, its run open.
  assert.equal(await fieldText('job.code'), 'Active');
  assert.match(await fieldText('job.began'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  assert.equal(await fieldText('job.lastState'), 'running');
  assert.match(await fieldText('job.progress'), /^\d+% \(\d+ of \d+ entries\)$/);
  assert.equal(await fieldText('job.quarantineReason'), '—none');
  // The id shown is the one the emulator answered the start with.
  const starts = await received(PAUSED, 'POST');
  assert.equal(starts.length, 1);
  assert.equal(await fieldText('clientRequestId'), starts[0].headers['client-request-id']);
  assert.equal(await page.isVisible('#wait-start'), true);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'result');
  assert.match(await page.textContent('#status'), /Job started/);
  // The token never reaches the URL or storage.
  assert.ok(!page.url().includes('demo-token'));
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  // The seed list shows the new state.
  await page.waitForSelector(`.seed-job[data-job="${PAUSED}"] .state-Active`);
  console.log(`# ${await shot('1-paused-to-active')}`);
});

test('a bad token: the 401 laid out field by field, with a hint', async () => {
  expected = [{ what: 'console', re: /status of 401/, count: 2 }]; // the state GET and the start
  await fill({ token: 'not-a-valid-token', sp: SF, job: PAUSED });
  await startAndWait();
  assert.match(await page.textContent('#result-title'), /Start failed: http 401 InvalidAuthenticationToken/);
  assert.equal(await fieldText('kind'), 'http');
  assert.equal(await fieldText('status'), '401');
  assert.equal(await fieldText('code'), 'InvalidAuthenticationToken');
  assert.match(await fieldText('message'), /Access token validation failure/);
  assert.match(await fieldText('requestId'), GUID);
  assert.match(await fieldText('clientRequestId'), GUID);
  assert.match(await fieldText('date'), /^\d{4}-\d\d-\d\dT/);
  assert.match(await fieldText('innerErrors'), /request-id/);
  // The package's hint, as a field and first in the list, then the emulator's advice.
  assert.match(await fieldText('hint'), /not issued for Microsoft Graph/);
  assert.match(await text('.hints li[data-hint="package"]'), /^From graph-sync-job: The token was not issued for Microsoft Graph/);
  assert.match(await text('.hints'), /The emulator accepts demo-token-readwrite/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'result');
  assert.equal(await jobState(SF, PAUSED), 'Paused');
  console.log(`# ${await shot('2-bad-token-401')}`);
});

test('the appId instead of the object id: 404 with the appId hint and a fix', async () => {
  expected = [{ what: 'console', re: /status of 404/, count: 2 }]; // the state GET and the start
  await fill({ token: 'demo-token-readwrite', sp: SF_APP_ID, job: PAUSED });
  await startAndWait();
  assert.equal(await fieldText('status'), '404');
  assert.equal(await fieldText('code'), 'Request_ResourceNotFound');
  assert.match(await fieldText('hint'), /servicePrincipalId must be the service principal's object id/);
  assert.match(await page.textContent('.hints'), new RegExp(`${SF_APP_ID} is the appId of Salesforce.*${SF}`));
  await page.click('.hints button');
  assert.equal(await page.inputValue('#sp'), SF);
  console.log(`# ${await shot('3-appid-404')}`);
});

test('keyboard only, read-only token: 403 Authorization_RequestDenied with the permission hint', async () => {
  expected = [{ what: 'console', re: /status of 403/, count: 1 }];
  await page.focus(`.seed-job[data-job="${NOT_RUN}"]`);
  await page.keyboard.press('Enter');
  await page.focus('#use-demo');
  await page.keyboard.press('Tab'); // the next control is "Use the read-only token"
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'use-readonly');
  await page.keyboard.press('Space');
  await page.focus('#job');
  await page.keyboard.press('Enter'); // submits the form
  await page.waitForSelector('#result:not([hidden])', { timeout: 10_000 });
  await page.waitForFunction(() => !document.querySelector('#start').disabled);
  assert.equal(await page.inputValue('#token'), 'demo-token-readonly');
  assert.equal(await fieldText('status'), '403');
  assert.equal(await fieldText('code'), 'Authorization_RequestDenied');
  assert.match(await fieldText('hint'), /^The token lacks permission/);
  assert.match(await page.textContent('.hints'), /demo-token-readonly only has Synchronization\.Read\.All/);
  assert.match(await stateLine(), /Before: NotRun → After: NotRun/);
  assert.equal(await jobState(SN, NOT_RUN), 'NotRun');
  console.log(`# ${await shot('4-readonly-403')}`);
});

test('throttled twice: the attempt counter moves, then the quarantined job turns Active', async () => {
  expected = [{ what: 'console', re: /status of 429/, count: 2 }];
  await control('POST', '/faults', {
    match: { method: 'POST', pathContains: '/start' },
    count: 2,
    fault: { kind: 'status', status: 429, retryAfter: '0.3' },
  });
  await page.click('#use-demo');
  await page.click(`.seed-job[data-job="${QUARANTINED}"]`);
  assert.equal(await page.inputValue('#job'), QUARANTINED);
  // Record every value the counter shows.
  await page.evaluate(() => {
    window.counterValues = [];
    new MutationObserver(() => window.counterValues.push(document.querySelector('#attempt').textContent))
      .observe(document.querySelector('#attempt'), { childList: true, characterData: true, subtree: true });
  });
  await startAndWait();
  const values = await page.evaluate(() => window.counterValues);
  assert.ok(values.includes('2') && values.includes('3'), `counter showed ${values}`);
  assert.equal(await page.textContent('#attempt'), '3');
  assert.equal(await page.textContent('#result-title'), 'Job started');
  assert.equal(await fieldText('attempts'), '3');
  const log = await page.$$eval('#retry-log li', (li) => li.map((l) => l.textContent));
  assert.equal(log.length, 2);
  assert.match(log[0], /Attempt 1 failed \(429 TooManyRequests\); retry 1 in 300 ms/);
  assert.equal(await page.$$eval('#result .retry-list li', (li) => li.length), 2);
  assert.match(await stateLine(), /Before: Quarantine → After: Active/);
  assert.match(await page.textContent('.hints'), /was in quarantine \(TooManyDeletes\)/);
  assert.equal(await jobState(SF, QUARANTINED), 'Active');
  console.log(`# ${await shot('5-throttled-quarantine-to-active')}`);
  await page.setViewportSize({ width: 1280, height: 900 });
  console.log(`# ${await shot('5-throttled-quarantine-to-active-1280')}`);
  await page.setViewportSize({ width: 390, height: 844 });
  console.log(`# ${await shot('5-throttled-quarantine-to-active-390')}`);
});

test('Cancel aborts a slow call: kind aborted, job untouched', async () => {
  expected = [{ what: 'requestfailed', re: /ERR_ABORTED POST .*\/start$/, count: 1 }];
  await control('POST', '/faults', {
    match: { method: 'POST', pathContains: '/start' },
    fault: { kind: 'delay', ms: 5000 },
  });
  await page.click('#use-demo');
  await page.click(`.seed-job[data-job="${NOT_RUN}"]`);
  const t0 = Date.now();
  await page.click('#start');
  await page.waitForFunction(() => /attempt 1/.test(document.querySelector('#status').textContent));
  await page.waitForTimeout(300);
  await page.click('#cancel');
  await page.waitForSelector('#result:not([hidden])');
  assert.ok(Date.now() - t0 < 4000, 'the cancel did not cut the 5 s wait');
  assert.equal(await fieldText('kind'), 'aborted');
  assert.equal(await fieldText('code'), 'aborted');
  assert.match(await page.textContent('#result-title'), /Start failed: aborted/);
  assert.match(await page.textContent('.hints'), /You cancelled/);
  assert.match(await stateLine(), /Before: NotRun → After: NotRun/);
  console.log(`# ${await shot('6-cancelled')}`);
});

test('Escape cancels too, and the package adds no request after the abort', async () => {
  expected = [{ what: 'requestfailed', re: /ERR_ABORTED POST .*\/start$/, count: 1 }];
  await control('POST', '/faults', {
    match: { method: 'POST', pathContains: '/start' },
    fault: { kind: 'delay', ms: 5000 },
  });
  await page.click('#use-demo');
  await page.focus('#job');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /attempt 1/.test(document.querySelector('#status').textContent));
  await page.waitForTimeout(200);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#result:not([hidden])');
  assert.equal(await fieldText('kind'), 'aborted');
  assert.equal(await fieldText('attempts'), '1');
  assert.match(await page.textContent('#status'), /Start failed: aborted/);
  const starts = (await control('GET', `/requests?pathContains=${encodeURIComponent(PAUSED)}`)).requests
    .filter((r) => r.method === 'POST');
  assert.equal(starts.length, 1);
});

test('a token the package refuses before sending: kind invalidArgument, no request at all', async () => {
  await fill({ token: 'short', sp: SF, job: PAUSED });
  await control('DELETE', '/requests');
  await clickAndWait('#start');
  assert.equal(await fieldText('kind'), 'invalidArgument');
  assert.equal(await fieldText('argument'), 'token');
  assert.equal(await fieldText('attempts'), '0');
  assert.match(await text('.hints'), /Nothing was sent: the package refused token/);
  assert.match(await stateLine(), /Before: could not read \(invalidArgument\) → After: not read \(as before: invalidArgument\)/);
  assert.deepEqual(await received(PAUSED), []);
});

test('phone width (390 px): no horizontal scrolling, result readable', async () => {
  expected = [{ what: 'console', re: /status of 401/, count: 2 }];
  await page.setViewportSize({ width: 390, height: 844 });
  await fill({ token: 'expired-token-0123456789', sp: SF, job: PAUSED });
  await startAndWait();
  assert.equal(await fieldText('status'), '401');
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(await overflow(), 0, 'the page scrolls sideways at 390 px');
  console.log(`# ${await shot('7-phone-401')}`);
  // The All jobs tables turn into one card per job: nothing to scroll sideways either.
  await page.click('#use-demo');
  await bulkAndWait('#bulk-start');
  assert.equal(await overflow(), 0, 'the page scrolls sideways at 390 px after a bulk start');
  const wraps = await page.$$eval('#bulk .table-wrap', (ws) => ws.map((w) => w.scrollWidth - w.clientWidth));
  assert.deepEqual(wraps, [0, 0], 'a table scrolls sideways at 390 px');
  assert.equal((await bulkRows())[NOT_CONFIGURED][0], 'failed');
  console.log(`# ${await shot('7-phone-bulk')}`);
});

test('Read state: status, last execution and quarantine from getSynchronizationJob', async () => {
  await page.click('#use-demo');
  await clickAndWait('#read');
  assert.equal(await page.textContent('#result-title'), 'Job state: Paused');
  assert.equal(await fieldText('job.code'), 'Paused');
  assert.equal(await fieldText('job.lastState'), 'EntryLevelErrors');
  assert.equal(await fieldText('job.began'), '2025-02-13 09:40:11 UTC');
  assert.equal(await fieldText('job.ended'), '2025-02-13 09:52:47 UTC');
  assert.equal(await fieldText('job.counts'), 'imported 1240 · exported 412 · escrowed 3 · entitled 1240');
  assert.equal(await fieldText('job.progress'), '62% (769 of 1240 entries)');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'result');
  // The quarantined job: reason and error.
  await page.click(`.seed-job[data-job="${QUARANTINED}"]`);
  await clickAndWait('#read');
  assert.equal(await page.textContent('#result-title'), 'Job state: Quarantine');
  assert.equal(await fieldText('job.quarantineReason'), 'TooManyDeletes');
  assert.match(await fieldText('job.quarantineError'), /^TooManyDeletes: The job was quarantined because the number of deletions exceeded/);
  assert.match(await fieldText('job.quarantineSince'), /UTC$/);
  assert.match(await text('.hints'), /restart it with the QuarantineState reset scope/);
  // Reading sends GETs only.
  assert.deepEqual((await received('/synchronization/jobs/')).map((r) => r.method).filter((m) => m !== 'GET'), []);
  console.log(`# ${await shot('8-read-quarantine')}`);
});

test('Pause: one POST …/pause, the Active job turns Paused', async () => {
  await page.click('#use-demo');
  await page.click(`.seed-job[data-job="${ACTIVE}"]`);
  await clickAndWait('#pause');
  assert.equal(await page.textContent('#result-title'), 'Job paused');
  assert.equal(await fieldText('status'), '204');
  assert.match(await fieldText('requestId'), GUID);
  assert.match(await stateLine(), /Before: Active → After: Paused/);
  const posts = await received(ACTIVE, 'POST');
  assert.deepEqual(posts.map((r) => r.target.split('/').pop()), ['pause']);
  assert.equal(await jobState(SN, ACTIVE), 'Paused');
  assert.equal(await page.isVisible('#wait-start'), false); // nothing to wait for after a pause
});

test('Restart with Watermark and Escrows: the exact body Graph receives', async () => {
  await page.click('#use-demo');
  await page.check('input[name="reset-scope"][value="Watermark"]');
  await page.check('input[name="reset-scope"][value="Escrows"]');
  await clickAndWait('#restart');
  assert.equal(await page.textContent('#result-title'), 'Job restarted');
  assert.match(await text('.hints'), /Reset scope sent: Watermark, Escrows\./);
  const posts = await received(PAUSED, 'POST');
  assert.equal(posts.length, 1);
  assert.match(posts[0].target, /\/restart$/);
  assert.deepEqual(JSON.parse(posts[0].body), { criteria: { resetScope: 'Watermark, Escrows' } });
  assert.equal(posts[0].body, '{"criteria":{"resetScope":"Watermark, Escrows"}}');
  assert.match(await stateLine(), /Before: Paused → After: Active/);
  // QuarantineState lifts a quarantine.
  await page.uncheck('input[name="reset-scope"][value="Watermark"]');
  await page.uncheck('input[name="reset-scope"][value="Escrows"]');
  await page.check('input[name="reset-scope"][value="QuarantineState"]');
  await page.click(`.seed-job[data-job="${QUARANTINED}"]`);
  await clickAndWait('#restart');
  const q = await received(QUARANTINED, 'POST');
  assert.equal(q.at(-1).body, '{"criteria":{"resetScope":"QuarantineState"}}');
  assert.match(await stateLine(), /Before: Quarantine → After: Active/);
  console.log(`# ${await shot('9-restart')}`);
});

test('Start only if Paused or Quarantine: skipped for a NotRun job (no POST), sent for a paused one', async () => {
  await page.click('#use-demo');
  await page.click(`.seed-job[data-job="${NOT_RUN}"]`);
  await page.check('#if-status');
  await clickAndWait('#start');
  assert.equal(await page.textContent('#result-title'), 'Start skipped: the job is NotRun');
  assert.equal(await fieldText('skipped'), 'yes');
  assert.equal(await fieldText('jobStatus'), 'NotRun');
  assert.match(await text('#result .lead'), /Nothing was sent: ifStatus asked for Paused or Quarantine/);
  assert.match(await page.textContent('#status'), /Start skipped/);
  assert.deepEqual(await received(NOT_RUN, 'POST'), []);
  assert.ok((await received(NOT_RUN, 'GET')).length >= 1, 'the package read the job first');
  assert.equal(await jobState(SN, NOT_RUN), 'NotRun');
  assert.equal(await page.isVisible('#wait-start'), false);
  console.log(`# ${await shot('10-if-status-skipped')}`);
  // The paused job is started.
  await page.click(`.seed-job[data-job="${PAUSED}"]`);
  await clickAndWait('#start');
  assert.equal(await page.textContent('#result-title'), 'Job started');
  assert.equal(await fieldText('skipped'), 'no');
  assert.equal(await fieldText('jobStatus'), 'Paused', 'what the read found');
  assert.deepEqual((await received(PAUSED, 'POST')).map((r) => r.target.split('/').pop()), ['start']);
});

test('All jobs: start every seeded job; progress bar and one row per job', async () => {
  assert.equal(await page.$$eval('#bulk-jobs tbody tr', (r) => r.length), 5);
  assert.equal(await page.textContent('#bulk-start'), 'Start all');
  await page.click('#use-demo');
  await page.evaluate(() => {
    window.progressValues = [];
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) window.progressValues.push(n.textContent);
    }).observe(document.querySelector('#bulk-count'), { childList: true });
  });
  await bulkAndWait('#bulk-start');
  assert.deepEqual(await page.evaluate(() => [document.querySelector('#bulk-progress').value, document.querySelector('#bulk-progress').max]), [5, 5]);
  const values = await page.evaluate(() => window.progressValues);
  assert.equal(values[0], '0 of 5');
  assert.equal(values.at(-1), '5 of 5');
  const rows = await bulkRows();
  assert.deepEqual(Object.keys(rows), [PAUSED, QUARANTINED, ACTIVE, NOT_RUN, NOT_CONFIGURED]);
  for (const job of [PAUSED, QUARANTINED, ACTIVE, NOT_RUN]) assert.deepEqual(rows[job], ['ok', '204', '—', '—'], job);
  assert.deepEqual(rows[NOT_CONFIGURED], ['failed', '400', '—', 'BadRequest']);
  assert.match(await page.textContent('#bulk-status'), /Start: 5 jobs, 4 ok, 0 skipped, 1 failed/);
  const subs = await batched();
  assert.deepEqual(subs.map((r) => `${r.method} ${r.action}`), Array(5).fill('POST start'));
  assert.deepEqual(subs.map((r) => r.job).sort(), [PAUSED, QUARANTINED, ACTIVE, NOT_RUN, NOT_CONFIGURED].sort());
  assert.equal(await jobState(SF, PAUSED), 'Active');
  assert.equal(await jobState(SF, QUARANTINED), 'Active');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'bulk');
  await page.waitForSelector(`#bulk-jobs tr[data-job="${NOT_RUN}"] .state-Active`);
  console.log(`# ${await shot('11-bulk-start')}`);
});

test('All jobs, keyboard only: ticked ones paused, restarted with a reset scope; ifStatus skips', async () => {
  await page.focus('#use-demo');
  await page.keyboard.press('Enter');
  // Tick two jobs with Space, then Tab along to "Pause 2 ticked" and press Enter.
  await page.focus(`#bulk-jobs tr[data-job="${ACTIVE}"] input`);
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.dataset.job), NOT_RUN);
  await page.keyboard.press('Space');
  assert.equal(await page.textContent('#bulk-pause'), 'Pause 2 ticked');
  assert.equal(await page.evaluate(() => document.querySelector('#bulk-all').indeterminate), true);
  for (let i = 0; i < 8 && await page.evaluate(() => document.activeElement?.id) !== 'bulk-pause'; i++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'bulk-pause');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#bulk-results:not([hidden])');
  await page.waitForFunction(() => !document.querySelector('#bulk-start').disabled);
  assert.deepEqual(Object.keys(await bulkRows()), [ACTIVE, NOT_RUN]);
  let subs = await batched();
  assert.deepEqual(subs.map((r) => `${r.method} ${r.action} ${r.job}`).sort(), [`POST pause ${ACTIVE}`, `POST pause ${NOT_RUN}`].sort());
  assert.equal(await jobState(SN, ACTIVE), 'Paused');
  // Restart the same two with QuarantineState.
  await control('DELETE', '/requests');
  await page.check('input[name="reset-scope"][value="QuarantineState"]');
  await bulkAndWait('#bulk-restart');
  subs = await batched();
  assert.equal(subs.length, 2);
  for (const r of subs) {
    assert.equal(r.action, 'restart');
    assert.deepEqual(r.body, { criteria: { resetScope: 'QuarantineState' } });
  }
  // Tick all, start only the paused or quarantined ones: ServiceNow's two jobs run again
  // (restarted), Salesforce's are Paused and Quarantine, Workday's is NotConfigured.
  await control('DELETE', '/requests');
  await page.check('#bulk-all');
  assert.equal(await page.textContent('#bulk-start'), 'Start 5 ticked');
  await page.check('#bulk-if-status');
  await bulkAndWait('#bulk-start');
  const rows = await bulkRows();
  // Each row's job status is what the read found, whether the start was then sent or skipped.
  assert.deepEqual(rows[PAUSED], ['ok', '204', 'Paused', '—']);
  assert.deepEqual(rows[QUARANTINED], ['ok', '204', 'Quarantine', '—']);
  assert.deepEqual(rows[ACTIVE], ['skipped', '—', 'Active', '—']);
  assert.deepEqual(rows[NOT_CONFIGURED], ['skipped', '—', 'NotConfigured', '—']);
  assert.match(await page.textContent('#bulk-status'), /2 ok, 3 skipped, 0 failed/);
  subs = await batched();
  assert.deepEqual(subs.filter((r) => r.method === 'POST').map((r) => `${r.action} ${r.job}`).sort(),
    [`start ${PAUSED}`, `start ${QUARANTINED}`].sort());
  console.log(`# ${await shot('12-bulk-ticked-if-status')}`);
});

// Starts the filled-in job, then clicks "Wait for the cycle"; records every progress value shown.
async function startThenWait() {
  await clickAndWait('#start');
  assert.equal(await page.textContent('#result-title'), 'Job started');
  await page.click('#wait-start');
  await page.waitForSelector('#wait:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'wait');
  await page.evaluate(() => {
    window.waitValues = [];
    new MutationObserver(() => window.waitValues.push(document.querySelector('#wait-percent').textContent))
      .observe(document.querySelector('#wait-percent'), { childList: true, characterData: true, subtree: true });
  });
}

const waitDone = () => page.waitForFunction(() => document.querySelector('#wait').getAttribute('aria-busy') === 'false',
  null, { timeout: 15_000 });

test('Wait for the cycle: progress moves live until the cycle succeeds', async () => {
  await control('POST', '/cycles', { durationMs: 3000, outcome: 'succeeded' });
  await page.click('#use-demo');
  await page.click(`.seed-job[data-job="${NOT_RUN}"]`);
  await page.setViewportSize({ width: 1280, height: 900 }); // the docs screenshot, mid-cycle
  await startThenWait();
  await page.waitForFunction(() => Number.parseInt(document.querySelector('#wait-percent').textContent, 10) >= 30);
  assert.equal(await page.isEnabled('#wait-cancel'), true);
  assert.match(await page.textContent('#wait-live'), /^The job is Active: \d+% done\.$/);
  const wide = await shot('13-wait-running-1280');
  console.log(`# ${wide}`);
  if (process.env.DEMO_UPDATE_DOCS) {
    mkdirSync(join(root, 'docs'), { recursive: true });
    copyFileSync(wide, join(root, 'docs', 'demo.png'));
    console.log(`# updated ${join(root, 'docs', 'demo.png')}`);
  }
  await waitDone();
  assert.equal(await page.textContent('#wait-title'), 'Cycle ended: Succeeded');
  assert.equal(await fieldText('wait.code', '#wait'), 'Active');
  assert.equal(await fieldText('wait.lastState', '#wait'), 'Succeeded');
  assert.match(await fieldText('wait.ended', '#wait'), /UTC$/);
  assert.equal(await page.textContent('#wait-percent'), '100%');
  const values = (await page.evaluate(() => window.waitValues)).map((v) => Number.parseInt(v, 10));
  assert.ok(values.some((v) => v > 0 && v < 100), `progress shown: ${values}`);
  assert.deepEqual(values, [...values].sort((a, b) => a - b), 'progress never goes back');
  // One read a second at most (pollIntervalMs 1000).
  const gets = (await received(NOT_RUN, 'GET')).map((r) => r.receivedAt);
  const polls = gets.slice(-Math.max(2, Number(await fieldText('wait.polls', '#wait'))));
  for (let i = 1; i < polls.length; i++) assert.ok(polls[i] - polls[i - 1] >= 900, `reads ${polls[i] - polls[i - 1]} ms apart`);
  assert.match(await page.textContent('#wait-live'), /Cycle ended: Succeeded\. The job is Active/);
  assert.equal(await page.isHidden('#wait-cancel'), true);
  console.log(`# ${await shot('13-wait-succeeded')}`);
});

test('Wait for the cycle: a cycle that ends in quarantine rejects with jobFailed', async () => {
  await control('PUT', `/servicePrincipals/${SF}/jobs/${PAUSED}`, { cycle: { durationMs: 2000, outcome: 'quarantine' } });
  await page.click('#use-demo');
  await startThenWait();
  await waitDone();
  assert.equal(await page.textContent('#wait-title'), 'Quarantined: TooManyDeletes');
  assert.match(await page.getAttribute('#wait', 'class'), /result-error/);
  assert.match(await text('#wait-outcome .lead'), /GraphError of kind jobFailed: .*quarantine/);
  assert.equal(await page.textContent('#wait-live'), 'Quarantined: TooManyDeletes.');
  assert.equal(await fieldText('job.code', '#wait'), 'Quarantine');
  assert.equal(await fieldText('job.quarantineReason', '#wait'), 'TooManyDeletes');
  assert.equal(await fieldText('job.lastState', '#wait'), 'Failed');
  assert.match(await text('#wait-outcome .hints'), /restart the job with the QuarantineState reset scope/);
  assert.equal(await jobState(SF, PAUSED), 'Quarantine');
  console.log(`# ${await shot('14-wait-quarantine')}`);
});

test('Wait for the cycle: Cancel stops the reads, the job goes on', async () => {
  await control('POST', '/cycles', { durationMs: 60_000, outcome: 'succeeded' });
  await page.click('#use-demo');
  await startThenWait();
  await page.waitForFunction(() => Number(document.querySelector('[data-field="wait.polls"]')?.textContent) >= 2);
  await page.keyboard.press('Tab'); // from the focused wait view to its Cancel
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'wait-cancel');
  await page.keyboard.press('Enter');
  await waitDone();
  assert.equal(await page.textContent('#wait-title'), 'Stopped waiting');
  assert.match(await page.textContent('#wait-live'), /You cancelled the wait/);
  const reads = (await received(PAUSED, 'GET')).length;
  await page.waitForTimeout(1500);
  assert.equal((await received(PAUSED, 'GET')).length, reads, 'reads went on after the cancel');
  assert.equal(await jobState(SF, PAUSED), 'Active');
});

test('Ctrl-C stops the demo: both ports closed afterwards', async () => {
  // The page leaves first: reads it still had in flight would fail when the servers stop.
  await page.goto('about:blank');
  demo.kill('SIGINT');
  const code = await new Promise((resolve) => demo.once('exit', (c, s) => resolve(c ?? s)));
  assert.equal(code, 130);
  assert.ok(await refused(pageUrl), 'the page server is still listening');
  assert.ok(await refused(`${emulator}/_emulator/health`), 'the emulator is still listening');
});
