// Shared by the command-line tests: the packed package installed once into a throwaway project,
// the graph-sync-job binary spawned from it as a user runs it, and the emulator's control API.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { control as emulatorControl } from '../support/emulator.mjs';

export const root = new URL('../..', import.meta.url).pathname;
export const emulator = process.env.GRAPH_EMULATOR_URL;
// CLI_PKG_DIR: test another build of the package than ./pkg (e.g. one made from a clean checkout).
const pkgDir = process.env.CLI_PKG_DIR ?? join(root, 'pkg');
export const work = join(root, 'target', 'cli-consumer');
export const app = join(work, 'app');
export const bin = join(app, 'node_modules', '.bin', 'graph-sync-job');

const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

/** npm pack of pkg/, installed locally into a consumer project and globally into a prefix. */
export function install() {
  assert.ok(emulator, 'GRAPH_EMULATOR_URL is not set: run through scripts/with-emulator.sh (make test-cli)');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const packed = JSON.parse(sh('npm', ['pack', pkgDir, '--pack-destination', work, '--json', '--silent'], root));
  const tarball = join(work, packed[0].filename);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cli-consumer', private: true, dependencies: { 'graph-sync-job': `file:${tarball}` } }));
  const quiet = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  sh('npm', ['install', ...quiet], app);
  sh('npm', ['install', '--global', '--prefix', join(work, 'global'), ...quiet, tarball], work);
  return { tarball, globalBin: join(work, 'global', 'bin', 'graph-sync-job') };
}

/** Names exported by the installed package (tests of commands whose export has not landed are skipped). */
export function exportsOfInstalled() {
  const req = createRequire(join(app, 'package.json'));
  return new Set(Object.keys(req('graph-sync-job')));
}

export const control = (method, path, body) => emulatorControl(emulator, method, path, body);

// Tokens made for this run (runtime tokens of the emulator), so the leak check looks for strings
// that appear nowhere else.
export const TOKEN = `cli-rw-${randomBytes(12).toString('hex')}`;
export const READONLY = `cli-ro-${randomBytes(12).toString('hex')}`;
export async function registerTokens() {
  await control('POST', '/tokens', { token: TOKEN, scopes: ['Synchronization.ReadWrite.All'] });
  await control('POST', '/tokens', { token: READONLY, scopes: ['Synchronization.Read.All'] });
}

/** Every byte any spawned CLI wrote, for the token check. */
export const transcript = [];

/**
 * Spawns the binary. `token` goes into GRAPH_TOKEN (null: none); `input` is written to stdin.
 * Returns { child, done } where done resolves to { code, signal, stdout, stderr, json() }.
 */
export function spawnCli(args, { token = TOKEN, input, env = {}, file = bin, cwd = app } = {}) {
  // CLI_NODE_DIR: a directory holding another `node` (e.g. Node 18) to run the binary with.
  const path = process.env.CLI_NODE_DIR ? `${process.env.CLI_NODE_DIR}:${process.env.PATH}` : process.env.PATH;
  const childEnv = { PATH: path, HOME: process.env.HOME, ...env };
  if (token !== null) childEnv.GRAPH_TOKEN = token;
  const child = spawn(file, args, { cwd, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  if (input !== undefined) child.stdin.end(input);
  else child.stdin.end();
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`graph-sync-job ${args.join(' ')} did not exit within 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      transcript.push({ args, stdout, stderr });
      resolve({
        code, signal, stdout, stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch (e) {
            throw new Error(`stdout is not one JSON document (${e.message}):\n${stdout}\nstderr: ${stderr}`);
          }
        },
      });
    });
  });
  return { child, done };
}

export const cli = (args, options) => spawnCli(args, options).done;

/** A fresh service principal and job in the given state (unique ids: tests never share one). */
export async function freshJob(code, extra = {}) {
  const sp = randomUUID();
  const job = `AppTemplate.${randomUUID().replaceAll('-', '')}`;
  await control('PUT', `/servicePrincipals/${sp}/jobs/${job}`, { code, ...extra });
  return { sp, job };
}

/** The job as Graph sends it (read with the emulator's seeded token, not through the CLI). */
export async function readJob(sp, job) {
  const r = await fetch(`${emulator}/beta/servicePrincipals/${sp}/synchronization/jobs/${job}`, {
    headers: { authorization: 'Bearer demo-token-readwrite' },
  });
  assert.equal(r.status, 200);
  return r.json();
}

/**
 * Requests the emulator recorded whose target or body contains `part` (bulk calls go through
 * $batch, where the job's URL is in the body), each { seq, method, target, body, receivedAt }.
 */
export async function requests(part) {
  return (await control('GET', '/requests')).requests.filter((r) => r.target.includes(part) || (r.body ?? '').includes(part));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value (or fails after `ms`). */
export async function until(check, ms = 15_000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Writes a file in the consumer project and returns its path. */
export function writeInput(name, text) {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}
