// Turns the two wasm-pack builds (build/web, build/node) into the npm package in pkg/:
// entries from pkg-template/ with the snippet path filled in, the Node snippet turned into
// CommonJS, and package.json's version taken from Cargo.toml.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tpl = join(root, 'pkg-template');
const out = join(root, 'pkg');
const KEEP = /^(graph_sync_job\.js|graph_sync_job_bg\.wasm|snippets)$/;

const version = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version\s*=\s*"([^"]+)"/m)[1];

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
for (const target of ['web', 'node']) {
  const src = join(root, 'build', target);
  if (!existsSync(join(src, 'graph_sync_job_bg.wasm'))) throw new Error(`missing wasm-pack build in ${src}`);
  mkdirSync(join(out, target));
  for (const name of readdirSync(src)) {
    if (KEEP.test(name)) cpSync(join(src, name), join(out, target, name), { recursive: true });
  }
}

function snippet(target) {
  const dirs = readdirSync(join(out, target, 'snippets'));
  if (dirs.length !== 1) throw new Error(`expected one snippets folder in ${target}, found ${dirs}`);
  return `snippets/${dirs[0]}/src/js/glue.js`;
}

// The glue is written as an ES module; the Node build is CommonJS.
const nodeGlue = join(out, 'node', snippet('node'));
const esm = readFileSync(nodeGlue, 'utf8');
const names = [...esm.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]);
writeFileSync(
  nodeGlue,
  `'use strict';\n${esm.replace(/^export (class|function) /gm, '$1 ')}\nmodule.exports = { ${names.join(', ')} };\n`,
);
writeFileSync(join(out, 'web', 'package.json'), '{ "type": "module", "sideEffects": false }\n');
writeFileSync(join(out, 'node', 'package.json'), '{ "type": "commonjs" }\n');

for (const [file, target] of [['browser.js', 'web'], ['node.cjs', 'node'], ['node.mjs', null], ['index.d.ts', null]]) {
  let text = readFileSync(join(tpl, file), 'utf8');
  if (target) text = text.replace('__SNIPPET__', snippet(target));
  writeFileSync(join(out, file), text);
}
const pkg = JSON.parse(readFileSync(join(tpl, 'package.json'), 'utf8'));
pkg.version = version;
writeFileSync(join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
// The npm README: the template's introduction, then the user-facing sections of the repository README.
const sections = readFileSync(join(root, 'README.md'), 'utf8').split(/\n(?=## )/);
const wanted = ['## Use it', '## API', '## GraphError'].map((h) => {
  const found = sections.find((s) => s.startsWith(h + '\n'));
  if (!found) throw new Error(`README.md has no section "${h}"`);
  return found.trim();
});
writeFileSync(join(out, 'README.md'), readFileSync(join(tpl, 'README.md'), 'utf8').replace('SECTIONS', wanted.join('\n\n') + '\n'));
cpSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
cpSync(join(tpl, 'cli.mjs'), join(out, 'cli.mjs')); // the graph-sync-job command (package.json "bin")
console.log(`pkg/ assembled: graph-sync-job@${version}`);
