// What each feature costs in the browser payload: builds the package in a scratch copy of the
// repository with features taken out, one more each time, and prints each build's payload as
// scripts/size-report.sh measures it. A feature is taken out by making its engine state an
// uninhabited type (a field of type Infallible, set by a panic), so the compiler drops every path
// that handles it, and its export by a panic where its arguments would be read; the hints by a
// `hint` that finds none. Nothing in the repository is changed. About a minute per build.
// Run: node scripts/size-by-feature.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Replaces `from` with `to` in a file of the copy; fails when `from` is not there exactly once. */
function patch(dir, file, from, to) {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (text.split(from).length !== 2) throw new Error(`${file}: expected one ${JSON.stringify(from.slice(0, 60))}`);
  writeFileSync(path, text.replace(from, to));
}

/** Makes `struct name` uninhabited: a field of type Infallible, which its constructor sets by panicking. */
function uninhabited(dir, name, firstField) {
  patch(dir, 'src/engine.rs', `pub struct ${name} {\n`, `pub struct ${name} {\n    never: std::convert::Infallible,\n`);
  patch(dir, 'src/engine.rs', `        Self {\n            ${firstField},`, `        Self {\n            never: panic!(),\n            ${firstField},`);
}

const steps = [
  ['every export', () => {}],
  ['without the bulk calls', (dir) => {
    uninhabited(dir, 'Bulk', 'action');
    patch(dir, 'src/js/api.rs', 'Shape::Jobs(name) => args::bulk(name, a, &opts)?,', 'Shape::Jobs(_) => panic!(),');
  }],
  ['without the bulk calls and the wait', (dir) => {
    uninhabited(dir, 'Wait', 'sp');
    patch(dir, 'src/js/api.rs', '"wait" => args::wait(sp, job, &opts)?,', '"wait" => panic!(),');
  }],
  ['without the bulk calls, the wait and the hints', (dir) =>
    patch(dir, 'src/error.rs', 'pub fn hint(status: u16, code: &str, message: &str, ids: (&str, &str)) -> Option<&\'static str> {\n',
      'pub fn hint(status: u16, code: &str, message: &str, ids: (&str, &str)) -> Option<&\'static str> {\n    if status < 1000 {\n        return None;\n    }\n')],
];

const dir = mkdtempSync(join(tmpdir(), 'gsj-size-'));
try {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root }).toString().split('\0').filter(Boolean);
  execFileSync('tar', ['-cf', join(dir, 'src.tar'), '--null', '-T', '-'], { cwd: root, input: files.join('\0') });
  execFileSync('tar', ['-xf', 'src.tar'], { cwd: dir });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const rows = [];
  for (const [name, apply] of steps) {
    apply(dir); // each step keeps the ones before it
    execFileSync('make', ['pkg'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const report = execFileSync('scripts/size-report.sh', { cwd: dir }).toString();
    const total = Number(report.match(/^browser payload \(default entry\)\s+(\d+) gzip$/m)[1]);
    rows.push([name, total]);
    console.error(`${name}: ${total} B`);
  }
  console.log('\n| build | browser payload, gzip -9 | less than the one above |\n|---|---:|---:|');
  rows.forEach(([name, total], i) => console.log(`| ${name} | ${total} | ${i ? rows[i - 1][1] - total : ''} |`));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
