// What a browser downloads for "start a synchronization job", as ratios in the same run:
// a Vite production build (tree-shaken, minified) of the same tiny page using graph-sync-job and
// using Microsoft's Graph JS client, gzipped at level 9. Run: make bench (or node bench/size.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const work = join(root, 'target', 'bench-size');
const vite = join(root, 'node_modules/vite/bin/vite.js');
const apps = {
  'graph-sync-job': `import { startSynchronizationJob } from 'graph-sync-job';
document.querySelector('button').onclick = () =>
  startSynchronizationJob(document.querySelector('input').value, 'sp', 'job').then(() => alert('started'), (e) => alert(e.message));`,
  '@microsoft/microsoft-graph-client': `import { Client } from '@microsoft/microsoft-graph-client';
document.querySelector('button').onclick = () =>
  Client.init({ authProvider: (done) => done(null, document.querySelector('input').value), defaultVersion: 'beta' })
    .api('/servicePrincipals/sp/synchronization/jobs/job/start').post(undefined).then(() => alert('started'), (e) => alert(e.message));`,
};

rmSync(work, { recursive: true, force: true });
const results = {};
for (const [name, code] of Object.entries(apps)) {
  const dir = join(work, name.replace(/[@/]/g, '_'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><input><button>Start</button><script type="module" src="./main.js"></script>');
  writeFileSync(join(dir, 'main.js'), code);
  // Resolve graph-sync-job to the built package, the MS client from the root node_modules.
  writeFileSync(join(dir, 'vite.config.mjs'), `export default { resolve: { alias: { 'graph-sync-job': ${JSON.stringify(join(root, 'pkg/browser.js'))} } }, logLevel: 'warn' };`);
  execFileSync('node', [vite, 'build', '--outDir', 'dist'], { cwd: dir, stdio: 'inherit' });
  const assets = join(dir, 'dist/assets');
  let raw = 0, gz = 0;
  for (const f of readdirSync(assets)) {
    const b = readFileSync(join(assets, f));
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
  }
  results[name] = { raw, gz };
}
const ours = results['graph-sync-job'];
console.log('\nBrowser payload for one start call (Vite production build, all emitted JS + wasm)\n');
console.log('| package | raw bytes | gzip -9 bytes | gzip ratio to graph-sync-job |');
console.log('|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${r.raw} | ${r.gz} | ${(r.gz / ours.gz).toFixed(2)} |`);
}
