// The demo page end to end: scripts/demo.sh (emulator + www/serve.mjs) driven in headless
// Chromium through playwright-core. Every case asserts what the page shows and what the emulator
// holds, and fails on any console error or failed request the case does not provoke itself.
// Screenshots: target/demo-screenshots/ (printed). DEMO_UPDATE_DOCS=1 also rewrites docs/demo.png.
// Run: `make test-demo` (needs `make pkg` and the emulator built).
import { test, before, after, beforeEach, afterEach } from 'node:test';
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
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let demo, pageUrl, emulator, browser, context, page;
let seen; // console errors, page errors and failed requests of the current case
let expected; // what the current case provokes: [{ what, re, count }]

const control = (method, path, body) => emulatorControl(emulator, method, path, body);

async function jobState(sp, job) {
  const r = await fetch(`${emulator}/beta/servicePrincipals/${sp}/synchronization/jobs/${job}`, {
    headers: { authorization: 'Bearer demo-token-readwrite' },
  });
  return (await r.json()).status.code;
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

const fieldText = (key) => page.textContent(`#result [data-field="${key}"]`).then((t) => t.trim());
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

test('a paused job turns Active; request id from onResponse; focus moves to the result', async () => {
  assert.equal(await jobState(SF, PAUSED), 'Paused');
  await page.click('#use-demo'); // the demo token and the paused Salesforce job
  assert.equal(await page.inputValue('#sp'), SF);
  assert.equal(await page.inputValue('#job'), PAUSED);
  await startAndWait();
  assert.equal(await page.textContent('#result-title'), 'Job started');
  const requestId = await fieldText('requestId');
  assert.match(requestId, GUID);
  assert.equal(await stateLine().then((t) => t.match(/Before: (\w+) → After: (\w+)/)?.slice(1).join(' → ')), 'Paused → Active');
  assert.equal(await jobState(SF, PAUSED), 'Active');
  // The id shown is the one the emulator answered the start with.
  const starts = (await control('GET', `/requests?pathContains=${encodeURIComponent(PAUSED)}`)).requests
    .filter((r) => r.method === 'POST');
  assert.equal(starts.length, 1);
  assert.equal(await fieldText('clientRequestId'), starts[0].headers['client-request-id']);
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
  assert.match(await page.textContent('.hints'), /did not accept the token/);
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
  assert.match(await page.textContent('.hints'), /Synchronization\.ReadWrite\.All/);
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
  const wide = await shot('5-throttled-quarantine-to-active-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  console.log(`# ${await shot('5-throttled-quarantine-to-active-390')}`);
  if (process.env.DEMO_UPDATE_DOCS) {
    mkdirSync(join(root, 'docs'), { recursive: true });
    copyFileSync(wide, join(root, 'docs', 'demo.png'));
    console.log(`# updated ${join(root, 'docs', 'demo.png')}`);
  }
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

test('phone width (390 px): no horizontal scrolling, result readable', async () => {
  expected = [{ what: 'console', re: /status of 401/, count: 2 }];
  await page.setViewportSize({ width: 390, height: 844 });
  await fill({ token: 'expired-token', sp: SF, job: PAUSED });
  await startAndWait();
  assert.equal(await fieldText('status'), '401');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'the page scrolls sideways at 390 px');
  console.log(`# ${await shot('7-phone-401')}`);
});

test('Ctrl-C stops the demo: both ports closed afterwards', async () => {
  demo.kill('SIGINT');
  const code = await new Promise((resolve) => demo.once('exit', (c, s) => resolve(c ?? s)));
  assert.equal(code, 130);
  assert.ok(await refused(pageUrl), 'the page server is still listening');
  assert.ok(await refused(`${emulator}/_emulator/health`), 'the emulator is still listening');
});
