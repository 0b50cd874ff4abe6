// The packed package as users get it: `npm pack` of pkg/, installed into a throwaway consumer
// project, then used through CJS require, ESM import, tsc, and a Vite production build loaded in
// headless Chromium calling the emulator across origins. Needs GRAPH_EMULATOR_URL (scripts/with-emulator.sh).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { control as emulatorControl, freshJob as freshJobAt, jobState as jobStateAt } from '../support/emulator.mjs';
import { serve } from '../support/static-server.mjs';

const root = new URL('../..', import.meta.url).pathname;
const emulator = process.env.GRAPH_EMULATOR_URL;
const work = join(root, 'target', 'js-consumer');
const app = join(work, 'app');
const requireRoot = createRequire(join(root, 'package.json'));

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

const control = (method, path, body) => emulatorControl(emulator, method, path, body);

const freshJob = (code) => freshJobAt(emulator, code);
const jobState = (sp, job) => jobStateAt(emulator, sp, job);

before(() => {
  assert.ok(emulator, 'GRAPH_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const packed = JSON.parse(sh('npm', ['pack', join(root, 'pkg'), '--pack-destination', work, '--json', '--silent'], root));
  const tarball = packed[0].filename;
  cpSync(join(root, 'tests/js/consumer'), app, { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'graph-sync-job': `file:../${tarball}` } }),
  );
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
});

test('the tarball holds exactly the files users need', () => {
  const files = readdirSync(join(app, 'node_modules/graph-sync-job'), { recursive: true }).sort();
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'index.d.ts', 'index.d.cts', 'inline.d.ts',
    'browser.js', 'inline.js', 'node.cjs', 'node.mjs', 'web/graph_sync_job_bg.wasm', 'web/wasm-inline.js',
    'node/graph_sync_job.cjs', 'node/graph_sync_job_bg.wasm']) {
    assert.ok(files.includes(f), `missing ${f}`);
  }
  assert.ok(!files.some((f) => f.endsWith('.rs') || f.includes('target')), files.join(' '));
  // The wasm-bindgen module and the driver ship bundled into the entries, not as modules of their own.
  assert.ok(!files.some((f) => f.includes('snippets') || f === 'web/graph_sync_job.js'), files.join(' '));
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules/graph-sync-job/package.json'), 'utf8'));
  const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version\s*=\s*"([^"]+)"/m)[1];
  assert.equal(pkg.version, cargo);
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.license, 'MIT');
  assert.ok(pkg.engines.node);
  const readme = readFileSync(join(app, 'node_modules/graph-sync-job/README.md'), 'utf8');
  for (const section of ['## Use it', '## API', '## GraphError']) assert.ok(readme.includes(section), `npm README lacks ${section}`);
});

test('CommonJS require: starts a paused job and rejects with GraphError', async () => {
  const { sp, job } = await freshJob('Paused');
  const script = `
    const { startSynchronizationJob, GraphError } = require('graph-sync-job');
    (async () => {
      // A long deadline and a signal: the call must clear its timer and listener, or Node would
      // stay alive for ten minutes (sh() below gives it 20 s).
      const signal = new AbortController().signal;
      await startSynchronizationJob('demo-token-readwrite', '${sp}', '${job}', { baseUrl: '${emulator}', timeoutMs: 600000, signal });
      try { await startSynchronizationJob('demo-token-readonly', '${sp}', '${job}', { baseUrl: '${emulator}' }); }
      catch (e) { console.log(JSON.stringify({ g: e instanceof GraphError, e: e instanceof Error, ...e.toJSON() })); }
    })();`;
  writeFileSync(join(app, 'cjs-check.cjs'), script);
  const t0 = Date.now();
  const out = JSON.parse(execFileSync('node', ['cjs-check.cjs'], { cwd: app, encoding: 'utf8', timeout: 20_000 }));
  assert.ok(Date.now() - t0 < 20_000, 'node exited promptly: no timer left behind');
  assert.equal(await jobState(sp, job), 'Active');
  assert.equal(out.g, true);
  assert.equal(out.e, true);
  assert.equal(out.status, 403);
  assert.equal(out.code, 'Authorization_RequestDenied');
});

test('ESM import: same module instance as require, same GraphError class', async () => {
  const { sp, job } = await freshJob('Quarantine');
  const script = `
    import { startSynchronizationJob, GraphError } from 'graph-sync-job';
    import { createRequire } from 'node:module';
    const cjs = createRequire(import.meta.url)('graph-sync-job');
    await startSynchronizationJob('demo-token-readwrite', '${sp}', '${job}', { baseUrl: '${emulator}', apiVersion: 'v1.0' });
    let err;
    try { await startSynchronizationJob('', '${sp}', '${job}'); } catch (e) { err = e; }
    console.log(JSON.stringify({ same: cjs.GraphError === GraphError, isCjsClass: err instanceof cjs.GraphError, kind: err.kind }));`;
  writeFileSync(join(app, 'esm-check.mjs'), script);
  const out = JSON.parse(sh('node', ['esm-check.mjs'], app));
  assert.equal(await jobState(sp, job), 'Active');
  assert.deepEqual(out, { same: true, isCjsClass: true, kind: 'invalidArgument' });
});

test('TypeScript: tsc --noEmit accepts correct use and rejects wrong use', () => {
  const tsc = requireRoot.resolve('typescript/bin/tsc');
  try {
    sh('node', [tsc, '-p', 'tsconfig.json'], app);
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});


test('Vite production build runs in headless Chromium (page and module worker) against the emulator, cross-origin', async () => {
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  sh('node', [vite, 'build', '--logLevel', 'warn', '--outDir', 'dist', '--emptyOutDir'], app);
  const assets = readdirSync(join(app, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `no .wasm emitted: ${assets}`);

  const { chromium } = requireRoot('playwright-core');
  const server = await serve(join(app, 'dist'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const { sp, job } = await freshJob('Paused');
    const w = await freshJob('NotRun');
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const url = `http://127.0.0.1:${server.address().port}/?emulator=${encodeURIComponent(emulator)}&sp=${sp}&job=${job}&workerSp=${w.sp}&workerJob=${w.job}`;
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, { timeout: 20_000 });
    const result = JSON.parse(await page.textContent('#result'));
    assert.deepEqual(errors, []);
    assert.equal(result.started, true, JSON.stringify(result));
    assert.match(result.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(result.denied.isGraphError, true);
    assert.equal(result.denied.isError, true);
    // Minified twice (our build, then Vite's), GraphError still says its name.
    assert.equal(result.denied.className, 'GraphError');
    assert.match(result.denied.shown, /^GraphError: /);
    assert.equal(result.denied.status, 403);
    assert.equal(result.denied.requestId.length, 36, 'request-id readable across origins');
    assert.equal(await jobState(sp, job), 'Active');
    // In a module worker (no window): started, then a typed 403.
    assert.equal(result.worker.hasWindow, false);
    assert.equal(result.worker.started, true, JSON.stringify(result.worker));
    assert.equal(result.worker.error.isGraphError, true);
    assert.equal(result.worker.error.status, 403);
    assert.equal(await jobState(w.sp, w.job), 'Active');
    const recorded = (await control('GET', `/requests?pathContains=${sp}`)).requests;
    assert.ok(recorded.some((r) => r.method === 'OPTIONS'), 'the browser sent a CORS preflight');
    const origin = recorded.find((r) => r.method === 'POST').headers.origin;
    assert.equal(origin, `http://127.0.0.1:${server.address().port}`);

    // The .wasm cannot be fetched: a typed GraphError, and the next call loads it and works.
    const again = await freshJob('Paused');
    const w2 = await freshJob('Paused');
    const offline = await browser.newPage();
    await offline.route('**/*.wasm', (route) => route.abort());
    await offline.goto(`http://127.0.0.1:${server.address().port}/?emulator=${encodeURIComponent(emulator)}&sp=${again.sp}&job=${again.job}&workerSp=${w2.sp}&workerJob=${w2.job}`);
    await offline.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, { timeout: 20_000 });
    const failed = JSON.parse(await offline.textContent('#result'));
    assert.equal(failed.isGraphError, true, JSON.stringify(failed));
    assert.equal(failed.kind, 'network');
    assert.equal(failed.code, 'wasmLoadFailed');
    assert.equal(await jobState(again.sp, again.job), 'Paused', 'nothing was sent');
    await offline.unroute('**/*.wasm');
    await offline.evaluate(() => { document.getElementById('result').textContent = 'pending'; return window.runAgain(); });
    const retried = JSON.parse(await offline.textContent('#result'));
    assert.equal(retried.started, true, JSON.stringify(retried));
    assert.equal(await jobState(again.sp, again.job), 'Active');
  } finally {
    await browser.close();
    server.close();
  }
});

// Budget for what a browser downloads (wasm + JS glue + entry), gzipped at level 9. Set at what we
// achieve (see README, "Size"); raise it only on purpose.
const BROWSER_GZIP_BUDGET = Number(readFileSync(join(root, 'tests/js/size-budget.txt'), 'utf8').trim());

// The budget holds for the build route this project's machines and CI use (Debian's rustc-web,
// std rebuilt for size); another toolchain gives other bytes, so there it reports the figure.
const budgetRoute = existsSync('/usr/lib/rustlib/src/rust/library') && existsSync('/usr/bin/rustc');

test('the entries export exactly the API index.d.ts declares (no internal class)', async () => {
  const types = readFileSync(join(root, 'pkg', 'index.d.ts'), 'utf8');
  const declared = [...types.matchAll(/^export declare (?:function|class) (\w+)/gm)].map((m) => m[1]).sort();
  const cjs = Object.keys(requireRoot(join(root, 'pkg', 'node.cjs'))).sort();
  assert.deepEqual(cjs, declared);
  // The browser entry's module namespace (evaluating it loads no wasm: that waits for a call).
  const exported = Object.keys(await import(join(root, 'pkg', 'browser.js'))).sort();
  assert.deepEqual(exported, declared);
});

test('GraphError: index.d.ts and toJSON() list the same fields, in the same order', async () => {
  const types = readFileSync(join(root, 'pkg', 'index.d.ts'), 'utf8');
  const body = types.match(/export interface GraphErrorJSON \{([\s\S]*?)\n\}/)[1];
  const declared = [...body.matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]);
  // The field table is src/js/glue.js's (bundled into the entries, where nothing exports it).
  const glue = await import(join(root, 'src', 'js', 'glue.js'));
  assert.deepEqual(glue.graphErrorFields(), declared);
  // And every field toJSON() writes is one the class declares as a property.
  const cls = types.match(/export declare class GraphError extends Error \{([\s\S]*?)\n\}/)[1];
  for (const f of declared.filter((k) => k !== 'message')) {
    assert.match(cls, new RegExp(`readonly ${f}\\??:`), `GraphError declares no ${f}`); // message: Error's own
  }
  // toJSON() writes exactly those, given every field.
  const all = Object.fromEntries(declared.filter((k) => k !== 'name' && k !== 'cause').map((k) => [k, k === 'status' ? 1 : 'x']));
  const { GraphError } = await import(join(root, 'pkg', 'browser.js'));
  const json = new GraphError(all, { cause: new Error('c') }).toJSON();
  assert.deepEqual(Object.keys(json), declared);
});

// Function pointers and `dyn` calls make rustc give the wasm a function table, and with it
// wasm-bindgen's closure shims and js-sys's typed-array callbacks, which nothing calls (0.4 KB
// gzip): the engine takes its platform as a type instead (`engine::Dates`). On the Debian build
// route (no reference types) the browser wasm has no table and no element section at all.
test('the browser wasm has no function table (no indirect calls)', () => {
  const bytes = readFileSync(join(root, 'pkg', 'web', 'graph_sync_job_bg.wasm'));
  const sections = [];
  for (let p = 8; p < bytes.length; ) {
    const id = bytes[p++];
    let size = 0;
    for (let shift = 0, b = 128; b & 128; shift += 7) size += ((b = bytes[p++]) & 127) * 2 ** shift;
    sections.push(id);
    p += size;
  }
  assert.ok(sections.includes(10), `no code section found in ${sections}`);
  if (!budgetRoute) return console.log('not the Debian build route: not checked');
  assert.deepEqual(sections.filter((id) => id === 4 || id === 9), [], 'a table (4) or element (9) section is back');
});

test('gzipped browser payload stays within budget', () => {
  // The wasm and the entry, which bundles the wasm-bindgen module and the driver.
  const files = [join(root, 'pkg', 'web', 'graph_sync_job_bg.wasm'), join(root, 'pkg', 'browser.js')];
  const total = files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  console.log(`browser payload: ${total} bytes gzipped (budget ${BROWSER_GZIP_BUDGET})`);
  if (!budgetRoute) return console.log('not the Debian build route: figure reported, budget not applied');
  assert.ok(total <= BROWSER_GZIP_BUDGET, `browser payload ${total} B gzipped exceeds budget ${BROWSER_GZIP_BUDGET} B`);
});

