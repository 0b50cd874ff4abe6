// The built package as a user's project imports it: pkg/ copied (the files package.json
// publishes) into target/<name>-<pid>/node_modules/graph-sync-job, then imported by name from a
// module in that project, so Node resolves it through the package's "exports" map, as after
// `npm install`. A private copy, so a concurrent `make pkg` cannot change it under a test.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('../../..', import.meta.url).pathname;

/** Copies pkg/ into a throwaway project and returns `{ lib, dir, cleanup }`; lib = import('graph-sync-job'). */
export async function installPackage(name) {
  // GSJ_PKG_DIR: another build of the package (e.g. a snapshot), for working on these tests.
  const pkg = process.env.GSJ_PKG_DIR || join(root, 'pkg');
  if (!existsSync(join(pkg, 'node', 'graph_sync_job_bg.wasm'))) throw new Error('pkg/ is not built: run make pkg');
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  const dir = join(root, 'target', `${name}-${process.pid}`);
  const dest = join(dir, 'node_modules', 'graph-sync-job');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const f of ['package.json', ...manifest.files]) {
    if (existsSync(join(pkg, f))) cpSync(join(pkg, f), join(dest, f), { recursive: true });
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `${name}-consumer`, private: true, type: 'module' }));
  writeFileSync(join(dir, 'entry.mjs'), "export * from 'graph-sync-job';\n");
  const lib = await import(pathToFileURL(join(dir, 'entry.mjs')).href);
  await lib.init();
  return { lib, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
