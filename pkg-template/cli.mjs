#!/usr/bin/env node
// The graph-sync-job command line: a thin layer over the package's own exports. It parses the
// command line (node:util parseArgs, durations such as 10m), finds the token, prints results for
// people or as JSON, and maps outcomes to exit codes. Every rule about values (status names, reset
// scopes, bounds, ids, URLs, retries) is the library's: its invalidArgument errors become exit 2.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const lib = require('./node.cjs');
const { GraphError } = lib;
const { version } = require('./package.json');

const BIN = 'graph-sync-job';
const EXIT = { ok: 0, failure: 1, usage: 2, someFailed: 3, interrupted: 130 };

// ---------------------------------------------------------------------------------------------
// Commands and options

const COMMON = {
  cloud: { type: 'string' },
  'base-url': { type: 'string' },
  'api-version': { type: 'string' },
  timeout: { type: 'string' },
  'max-retries': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'token-command': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
const IF_STATUS = { 'if-status': { type: 'string' } };
const RESET = { reset: { type: 'string' } };
const WAIT = { until: { type: 'string' }, 'poll-interval': { type: 'string' } };
const MANY = { file: { type: 'string', short: 'f' }, concurrency: { type: 'string' }, ...IF_STATUS };

const OPTION_HELP = {
  'if-status': ['--if-status LIST', 'act only when the job status is one of LIST (e.g. Paused,Quarantine); otherwise skip (exit 0) and send nothing but the read'],
  wait: ['--wait', 'after starting, wait like the wait command (a skipped start does not wait)'],
  until: ['--until WHEN', 'cycleComplete (the next cycle ends), steadyState or active'],
  'poll-interval': ['--poll-interval D', 'time between reads of the job, e.g. 20s (the default), at least 1s'],
  reset: ['--reset LIST', 'reset scope: any of Watermark,Escrows,QuarantineState,Full,ForceDeletes'],
  file: ['--file FILE, -f', 'CSV with the header servicePrincipalId,jobId, or JSON lines ({"servicePrincipalId":..,"jobId":..} per line); - reads stdin'],
  concurrency: ['--concurrency N', 'calls in flight at once (default 4, at most 20)'],
};

const COMMANDS = {
  start: {
    args: ['SP', 'JOB'], fn: 'startSynchronizationJob', verb: 'started',
    options: { ...IF_STATUS, wait: { type: 'boolean' }, ...WAIT },
    summary: 'start a job (POST .../start)',
    example: `${BIN} start 3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d salesforce.e4bbf44533ea4eabb17027f3a92e92aa --if-status Paused,Quarantine --wait`,
  },
  pause: {
    args: ['SP', 'JOB'], fn: 'pauseSynchronizationJob', verb: 'paused',
    options: { ...IF_STATUS },
    summary: 'pause a job',
    example: `${BIN} pause 3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d salesforce.e4bbf44533ea4eabb17027f3a92e92aa`,
  },
  restart: {
    args: ['SP', 'JOB'], fn: 'restartSynchronizationJob', verb: 'restarted',
    options: { ...RESET, ...IF_STATUS },
    summary: 'restart a job, optionally resetting state',
    example: `${BIN} restart 3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d salesforce.e4bbf44533ea4eabb17027f3a92e92aa --reset Watermark,QuarantineState`,
  },
  status: {
    args: ['SP', 'JOB'], fn: 'getSynchronizationJob',
    options: {},
    summary: 'one job: status code, last execution, quarantine, progress',
    example: `${BIN} status 3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d salesforce.e4bbf44533ea4eabb17027f3a92e92aa`,
  },
  list: {
    args: ['SP'], fn: 'listSynchronizationJobs',
    options: {},
    summary: 'the jobs of a service principal, one line each',
    example: `${BIN} list 3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d --json`,
  },
  wait: {
    args: ['SP', 'JOB'], fn: 'waitForSynchronizationJob',
    options: { ...WAIT },
    summary: 'wait until the next cycle completes (or --until steadyState|active); exit 1 if it fails',
    example: `${BIN} wait 3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d salesforce.e4bbf44533ea4eabb17027f3a92e92aa --until steadyState --timeout 2h`,
  },
  'start-many': {
    args: [], fn: 'startSynchronizationJobs', verb: 'started', many: true,
    options: { ...MANY },
    summary: 'start every job listed in a file (or stdin)',
    example: `${BIN} start-many --file jobs.csv --if-status Paused --concurrency 8`,
  },
  'pause-many': {
    args: [], fn: 'pauseSynchronizationJobs', verb: 'paused', many: true,
    options: { ...MANY },
    summary: 'pause every job listed in a file (or stdin)',
    example: `jq -c '{servicePrincipalId: .sp, jobId: .job}' jobs.json | ${BIN} pause-many --file -`,
  },
  'restart-many': {
    args: [], fn: 'restartSynchronizationJobs', verb: 'restarted', many: true,
    options: { ...MANY, ...RESET },
    summary: 'restart every job listed in a file (or stdin)',
    example: `${BIN} restart-many --file jobs.jsonl --reset QuarantineState --json`,
  },
};

const COMMON_HELP = `Common options:
  --cloud NAME          global, usGov, usGovDoD or china (not with --base-url)
  --base-url URL        Graph root, default https://graph.microsoft.com
  --api-version V       beta (default) or v1.0
  --timeout D           one deadline for the whole command, e.g. 90s, 10m, 1h30m
                        (default 2m per call; 24h for wait)
  --max-retries N       retries after 429, 503, 504 and network failures (default 3)
  --json                one JSON document on stdout (errors as GraphError.toJSON()), nothing else there
  --quiet, -q           no result lines and no progress; errors still go to stderr
  --token-command CMD   run CMD (through the shell) for the token: its trimmed stdout; run again when
                        Graph answers 401
  --help, -h            help; ${BIN} --version prints the version

Token (never on the command line, where shell history and the process list would keep it):
  GRAPH_TOKEN in the environment, or --token-command, for example
  --token-command 'az account get-access-token --resource-type ms-graph --query accessToken -o tsv'
  (--token-command wins when both are there)

Durations: a number with a unit, ms, s, m or h, or several (1h30m).

Exit codes:
  0    success, a start skipped by --if-status included
  1    Graph or job failure: HTTP error, job failed or quarantined, network, timeout, token command failed
  2    usage error: bad command, option or value, unreadable or malformed file, no token
  3    a *-many run in which some items failed (the others were done)
  130  interrupted (Ctrl-C): what was in flight is aborted, what was done is printed`;

function mainHelp() {
  const heads = Object.entries(COMMANDS).map(([name, c]) => [c.many ? `${name} --file FILE` : `${name} ${c.args.join(' ')}`, c.summary]);
  const width = Math.max(...heads.map(([h]) => h.length));
  const lines = heads.map(([head, summary]) => `  ${head.padEnd(width)}  ${summary}`);
  return `${BIN} ${version}: start, pause, restart, inspect and wait for Microsoft Entra provisioning
(synchronization) jobs through Microsoft Graph.

Usage: ${BIN} COMMAND [ARGUMENTS] [OPTIONS]

Commands:
${lines.join('\n')}

SP is the service principal's object id (not its appId); JOB is the job id.
${BIN} COMMAND --help shows a command's options and an example.

${COMMON_HELP}
`;
}

function commandHelp(name) {
  const c = COMMANDS[name];
  const head = c.many ? `${name} --file FILE|-` : `${name} ${c.args.join(' ')}`;
  const own = Object.keys(c.options)
    .filter((o) => OPTION_HELP[o])
    .map((o) => `  ${OPTION_HELP[o][0].padEnd(20)}  ${OPTION_HELP[o][1]}`);
  return `Usage: ${BIN} ${head} [OPTIONS]

${c.summary[0].toUpperCase() + c.summary.slice(1)}.
${own.length ? `\nOptions:\n${own.join('\n')}\n` : ''}
Example:
  ${c.example}

${COMMON_HELP}
`;
}

// ---------------------------------------------------------------------------------------------
// Output: people first, JSON on request, the token never.

const secrets = new Set();
if (process.env.GRAPH_TOKEN) secrets.add(process.env.GRAPH_TOKEN);
function redact(text) {
  for (const s of secrets) if (s.length >= 6) text = text.split(s).join('[redacted]');
  return text;
}
const out = (text) => process.stdout.write(redact(text));
const err = (text) => process.stderr.write(redact(text));

const noColor = 'NO_COLOR' in process.env && process.env.NO_COLOR !== '';
const paint = (stream) => {
  const on = !noColor && !!stream.isTTY;
  const sgr = (code) => (s) => (on ? `\x1b[${code}m${s}\x1b[0m` : String(s));
  return { on, green: sgr(32), red: sgr(31), yellow: sgr(33), bold: sgr(1), dim: sgr(2) };
};
const so = paint(process.stdout);
const se = paint(process.stderr);

/** A live bar on a TTY stderr; plain lines, at most one a second, otherwise. */
class Progress {
  constructor(enabled) {
    this.enabled = enabled;
    this.tty = !!process.stderr.isTTY;
    this.shown = false;
    this.last = 0;
    this.lastText = '';
  }
  update(text, fraction, force = false) {
    if (!this.enabled) return;
    if (this.tty) {
      const cols = process.stderr.columns || 80;
      let bar = '';
      if (fraction !== undefined) {
        const width = 24;
        const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
        bar = '[' + se.green('#'.repeat(full)) + ' '.repeat(width - full) + '] ';
      }
      const line = (bar + text).slice(0, cols - 1 + (bar.length - stripLength(bar)));
      err('\r\x1b[2K' + line);
      this.shown = true;
      return;
    }
    const now = Date.now();
    if (!force && (text === this.lastText || now - this.last < 1000)) return;
    this.last = now;
    this.lastText = text;
    err(text + '\n');
  }
  clear() {
    if (this.tty && this.shown) err('\r\x1b[2K');
    this.shown = false;
  }
}
const stripLength = (s) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

function table(rows) {
  const widths = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stripLength(String(cell)))));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? String(cell) : String(cell) + ' '.repeat(widths[i] - stripLength(String(cell))))).join('  ').trimEnd())
    .join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Errors and exit codes

/** A usage error is a GraphError of kind invalidArgument, like the library's own refusals. */
function usage(message, argument) {
  return new GraphError({ kind: 'invalidArgument', code: 'invalidArgument', message, argument, attempts: 0 });
}

// The library names what it refused by its option path; people typed a flag.
const FLAG_OF = {
  'options.timeoutMs': '--timeout', 'options.retry.maxRetries': '--max-retries', 'options.retry': '--max-retries',
  'options.ifStatus': '--if-status', 'options.resetScope': '--reset', 'options.concurrency': '--concurrency',
  'options.pollIntervalMs': '--poll-interval', 'options.until': '--until', 'options.baseUrl': '--base-url',
  'options.cloud': '--cloud', 'options.apiVersion': '--api-version', servicePrincipalId: 'SP', jobId: 'JOB',
  token: 'GRAPH_TOKEN',
};
function flagOf(argument) {
  if (!argument) return undefined;
  if (FLAG_OF[argument]) return FLAG_OF[argument];
  const prefix = Object.keys(FLAG_OF).find((k) => argument.startsWith(k + '.') || argument.startsWith(k + '['));
  return prefix ? FLAG_OF[prefix] : undefined;
}

function exitCodeOf(e, interrupted) {
  if (interrupted) return EXIT.interrupted;
  if (e instanceof GraphError && e.kind === 'invalidArgument') return EXIT.usage;
  return EXIT.failure;
}

/** The library's option paths (options.timeoutMs) read as the flags people typed (--timeout). */
function asFlags(text) {
  for (const key of Object.keys(FLAG_OF).filter((k) => k.startsWith('options.')).sort((a, b) => b.length - a.length)) {
    text = text.split(key).join(FLAG_OF[key]);
  }
  return text;
}

function describeError(e) {
  if (!(e instanceof GraphError)) return `internal error: ${e && e.stack ? e.stack : String(e)}`;
  const parts = [];
  if (e.kind === 'http') parts.push(`${e.status} ${e.code}: ${e.message}`);
  else if (e.kind === 'invalidArgument') {
    const flag = flagOf(e.argument);
    const message = asFlags(e.message);
    parts.push(!flag || message.includes(flag) ? message : `${flag}: ${message}`);
  } else parts.push(asFlags(e.message));
  if (e.cause && (e.kind === 'token' || e.kind === 'network') && e.cause.message && !e.message.includes(e.cause.message)) {
    parts.push(`(cause: ${e.cause.message})`);
  }
  const ids = [];
  if (e.requestId) ids.push(`request-id ${e.requestId}`);
  if (e.clientRequestId && e.kind !== 'invalidArgument') ids.push(`client-request-id ${e.clientRequestId}`);
  if (e.date && e.kind === 'http') ids.push(`date ${e.date}`);
  if (e.attempts > 1 && (e.kind === 'http' || e.kind === 'network')) ids.push(`${e.attempts} attempts`);
  if (ids.length) parts.push(`(${ids.join(', ')})`);
  // The hint on a line of its own (no space left at the end of the one before).
  const hint = typeof e.hint === 'string' && e.hint ? `\n  hint: ${asFlags(e.hint)}` : '';
  return parts.join(' ') + hint;
}

// ---------------------------------------------------------------------------------------------
// Values: CLI syntax only (durations, numbers, comma lists); the library checks the values.

function duration(flag, text) {
  const m = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g) : null;
  if (!m) throw usage(`${flag}: '${text}' is not a duration: a number with a unit, ms, s, m or h (e.g. 90s, 10m, 1h30m)`, flag);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Math.round(m.reduce((sum, part) => {
    const [, n, u] = part.match(/^(\d+(?:\.\d+)?)(ms|s|m|h)$/);
    return sum + Number(n) * unit[u];
  }, 0));
}

function number(flag, text) {
  if (!/^-?\d+(?:\.\d+)?$/.test(text)) throw usage(`${flag}: '${text}' is not a number`, flag);
  return Number(text);
}

const list = (text) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

// ---------------------------------------------------------------------------------------------
// Token: GRAPH_TOKEN or --token-command, never an argument.

function tokenSource(values, signal) {
  if (values['token-command'] !== undefined) {
    const command = values['token-command'];
    if (!command.trim()) throw usage('--token-command is empty: give the command that prints the token', '--token-command');
    return () => runTokenCommand(command, signal);
  }
  const env = process.env.GRAPH_TOKEN;
  if (env !== undefined && env.trim() !== '') {
    secrets.add(env);
    secrets.add(env.trim());
    return env.trim();
  }
  throw usage(
    'no token: set GRAPH_TOKEN in the environment, or pass --token-command \'CMD\' (a command that prints one, e.g. ' +
      "az account get-access-token --resource-type ms-graph --query accessToken -o tsv)",
    'token',
  );
}

/** Runs the token command; its stdout (trimmed) is the token. Its stderr is never shown: it could hold the token. */
function runTokenCommand(command, signal) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      reject(new Error(`--token-command could not be run (${e.code || e.name})`));
      return;
    }
    const kill = () => child.kill();
    signal.addEventListener('abort', kill, { once: true });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.resume();
    child.on('error', (e) => reject(new Error(`--token-command could not be run (${e.code || e.name})`)));
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', kill);
      const token = stdout.trim();
      if (token) {
        secrets.add(token);
        secrets.add(stdout);
      }
      if (code !== 0) {
        reject(new Error(`--token-command exited with ${sig ? `signal ${sig}` : `code ${code}`} (its output is not shown: it could hold a token)`));
      } else if (!token) reject(new Error('--token-command printed nothing on stdout'));
      else resolve(token);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Files for the *-many commands: CSV with a header, or JSON lines.

async function readInput(file) {
  if (file === '-') {
    let text = '';
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) text += chunk;
    return { name: 'stdin', text };
  }
  try {
    return { name: file, text: readFileSync(file, 'utf8') };
  } catch (e) {
    throw usage(`--file: cannot read ${file} (${e.code || e.message})`, '--file');
  }
}

/** Splits one CSV line (quotes as in RFC 4180, within the line). Returns null for a broken quote. */
function csvFields(line) {
  const fields = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') return null;
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end === -1 ? line.length : end);
      i = end === -1 ? line.length : end;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Items with the line each came from. Format errors name the line; nothing is sent. */
function parseJobs({ name, text }) {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const items = [];
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first === -1) throw usage(`${name}: no jobs (expected CSV with the header servicePrincipalId,jobId, or JSON lines)`, '--file');
  const at = (i) => `${name} line ${i + 1}`;
  if (/^\s*[[{]/.test(lines[first])) {
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let value;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw usage(`${at(i)}: not JSON (${e.message}); expected one {"servicePrincipalId":..,"jobId":..} object per line`, '--file');
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw usage(`${at(i)}: not a JSON object; expected one {"servicePrincipalId":..,"jobId":..} object per line`, '--file');
      }
      items.push({ line: i + 1, job: { servicePrincipalId: value.servicePrincipalId, jobId: value.jobId } });
    });
  } else {
    const header = csvFields(lines[first]);
    const sp = header ? header.findIndex((h) => h.toLowerCase() === 'serviceprincipalid') : -1;
    const job = header ? header.findIndex((h) => h.toLowerCase() === 'jobid') : -1;
    if (sp === -1 || job === -1) {
      throw usage(`${at(first)}: expected the CSV header servicePrincipalId,jobId (or JSON lines)`, '--file');
    }
    lines.forEach((line, i) => {
      if (i <= first || line.trim() === '') return;
      const fields = csvFields(line);
      if (!fields) throw usage(`${at(i)}: unbalanced quotes`, '--file');
      if (fields.length !== header.length) {
        throw usage(`${at(i)}: ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${header.length}`, '--file');
      }
      items.push({ line: i + 1, job: { servicePrincipalId: fields[sp], jobId: fields[job] } });
    });
    if (items.length === 0) throw usage(`${name}: a header but no jobs`, '--file');
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Job text for people

/** A lastExecution's state, which is null while its cycle still runs (timeBegan set, timeEnded not). */
const executionState = (last) => last.state ?? (last.timeBegan && !last.timeEnded ? 'running' : 'unknown');

function jobLine(j) {
  const s = (j && j.status) || {};
  const last = s.lastExecution;
  const execution = !last ? 'never run'
    : last.timeEnded ? `last execution ${executionState(last)} (ended ${last.timeEnded})`
    : `cycle ${executionState(last)}${last.timeBegan ? ` since ${last.timeBegan}` : ''}`;
  return [j && j.id, s.code, execution].filter(Boolean).join(', ');
}

/** Graph's synchronizationProgress: completedUnits of totalUnits (units, e.g. entries). */
function progressFraction(p) {
  if (!p) return undefined;
  if (typeof p.totalUnits === 'number' && p.totalUnits > 0 && typeof p.completedUnits === 'number') return p.completedUnits / p.totalUnits;
  if (typeof p.completionPercentage === 'number') return p.completionPercentage / 100;
  return undefined;
}

function progressText(p) {
  if (!p) return undefined;
  const f = progressFraction(p);
  const pct = f === undefined ? '' : `${Math.floor(f * 100)}%`;
  const units = typeof p.totalUnits === 'number' ? `${p.completedUnits ?? 0} of ${p.totalUnits}${p.units ? ` ${p.units}` : ''}` : '';
  return pct && units ? `${pct} (${units})` : pct || units || 'started';
}

function statusText(j, sp) {
  const s = j.status || {};
  const rows = [];
  const code = s.code === 'Active' ? so.green(s.code) : s.code === 'Quarantine' ? so.red(s.code) : so.yellow(s.code ?? '?');
  rows.push(['job', `${j.id}${j.templateId ? ` (template ${j.templateId})` : ''}, service principal ${sp}`]);
  rows.push(['status', code]);
  if (j.schedule) rows.push(['schedule', [j.schedule.state, j.schedule.interval && `every ${j.schedule.interval}`].filter(Boolean).join(', ')]);
  const last = s.lastExecution;
  if (last) {
    const counts = [['countImported', 'imported'], ['countExported', 'exported'], ['countEscrowed', 'escrowed']]
      .filter(([k]) => typeof last[k] === 'number').map(([k, w]) => `${last[k]} ${w}`).join(', ');
    const when = [last.timeBegan, last.timeEnded].filter(Boolean).join(' to ');
    rows.push(['last execution', [executionState(last), when, counts].filter(Boolean).join(', ')]);
    if (last.error) rows.push(['  error', `${last.error.code ?? ''}: ${last.error.message ?? ''}`]);
  } else rows.push(['last execution', 'none']);
  if (s.lastSuccessfulExecution?.timeEnded) rows.push(['last success', s.lastSuccessfulExecution.timeEnded]);
  const q = s.quarantine;
  if (q) {
    const parts = [so.red(q.reason ?? 'quarantined')];
    if (q.currentBegan) parts.push(`since ${q.currentBegan}`);
    if (q.nextAttempt) parts.push(`next attempt ${q.nextAttempt}`);
    if (q.error?.message) parts.push(q.error.message);
    rows.push(['quarantine', parts.join(', ')]);
  } else rows.push(['quarantine', 'none']);
  const p = Array.isArray(s.progress) ? s.progress[0] : undefined;
  rows.push(['progress', p ? `${progressText(p)}${p.progressObservationDateTime ? ` at ${p.progressObservationDateTime}` : ''}` : 'none']);
  if (s.steadyStateLastAchievedTime) rows.push(['steady state', `last reached ${s.steadyStateLastAchievedTime}`]);
  return table(rows);
}

// ---------------------------------------------------------------------------------------------
// Running

const state = { interrupted: false, calling: false, progress: null, onInterrupt: null };
const controller = new AbortController();

process.on('SIGINT', () => {
  if (state.interrupted || !state.calling) process.exit(EXIT.interrupted);
  state.interrupted = true;
  state.progress?.clear();
  controller.abort(new Error('interrupted (Ctrl-C)'));
});

function need(name) {
  const fn = lib[name];
  if (typeof fn !== 'function') {
    throw new GraphError({ kind: 'invalidArgument', code: 'notAvailable', message: `this build of graph-sync-job has no ${name}` });
  }
  return fn;
}

async function run(name, values, positionals, json) {
  const c = COMMANDS[name];
  if (positionals.length !== c.args.length) {
    const want = c.args.length ? c.args.join(' ') : 'no arguments (the jobs come from --file)';
    throw usage(`${name} takes ${want}; got ${positionals.length} argument${positionals.length === 1 ? '' : 's'} (see ${BIN} ${name} --help)`, 'arguments');
  }
  if (c.many && values.file === undefined) throw usage(`${name} needs --file FILE (or --file - for stdin)`, '--file');
  if (values.until !== undefined && name === 'start' && !values.wait) throw usage('--until goes with --wait', '--until');
  if (values['poll-interval'] !== undefined && name === 'start' && !values.wait) throw usage('--poll-interval goes with --wait', '--poll-interval');

  const quiet = !!values.quiet;
  const signal = controller.signal;
  const options = { signal };
  if (values.cloud !== undefined) options.cloud = values.cloud;
  if (values['base-url'] !== undefined) options.baseUrl = values['base-url'];
  if (values['api-version'] !== undefined) options.apiVersion = values['api-version'];
  if (values['max-retries'] !== undefined) options.retry = { maxRetries: number('--max-retries', values['max-retries']) };
  const timeoutMs = values.timeout !== undefined ? duration('--timeout', values.timeout) : undefined;
  const began = Date.now();
  // The first call gets --timeout as given (the library checks it); a later one what is left of it.
  let calls = 0;
  const remaining = () => {
    if (timeoutMs === undefined) return {};
    return { timeoutMs: calls++ === 0 ? timeoutMs : Math.max(1, timeoutMs - (Date.now() - began)) };
  };
  const waitOptions = {};
  if (values.until !== undefined) waitOptions.until = values.until;
  if (values['poll-interval'] !== undefined) waitOptions.pollIntervalMs = duration('--poll-interval', values['poll-interval']);
  if (values['if-status'] !== undefined) options.ifStatus = list(values['if-status']);
  if (values.reset !== undefined) options.resetScope = list(values.reset);
  if (values.concurrency !== undefined) options.concurrency = number('--concurrency', values.concurrency);

  const input = c.many ? parseJobs(await readInput(values.file)) : null;
  const token = tokenSource(values, signal);
  const fn = need(c.fn);
  const progress = (state.progress = new Progress(!quiet));
  state.calling = true;

  if (c.many) return runMany(name, c, fn, token, input, { ...options, ...remaining() }, values, json, progress);

  const [sp, job] = positionals;
  if (name === 'status') {
    const j = await fn(token, sp, job, { ...options, ...remaining() });
    if (json) out(JSON.stringify(j, null, 2) + '\n');
    else if (!quiet) out(statusText(j, sp));
    return EXIT.ok;
  }
  if (name === 'list') {
    const jobs = await fn(token, sp, { ...options, ...remaining() });
    if (json) out(JSON.stringify(jobs, null, 2) + '\n');
    else if (!quiet) {
      if (!jobs.length) out(`no synchronization jobs on service principal ${sp}\n`);
      else {
        const rows = [['JOB', 'TEMPLATE', 'STATUS', 'LAST EXECUTION', 'ENDED']].map((r) => r.map((h) => so.bold(h)));
        for (const j of jobs) {
          const last = j.status?.lastExecution;
          rows.push([j.id, j.templateId ?? '', j.status?.code ?? '', last ? executionState(last) : '-', last?.timeEnded ?? '-']);
        }
        out(table(rows));
      }
    }
    return EXIT.ok;
  }
  if (name === 'wait') {
    const j = await waitFor(fn, token, sp, job, { ...options, ...waitOptions, ...remaining() }, progress);
    if (json) out(JSON.stringify(j, null, 2) + '\n');
    else if (!quiet) out(`${so.green('done')}: ${jobLine(j)}\n`);
    return EXIT.ok;
  }

  // start, pause, restart
  state.onInterrupt = () => `the ${name} was aborted; Graph may or may not have received it`;
  const actionOptions = { ...options, ...remaining() };
  if (name !== 'restart') delete actionOptions.resetScope;
  const result = (await fn(token, sp, job, actionOptions)) ?? {};
  state.onInterrupt = null;
  if (!json && !quiet) {
    if (result.skipped) {
      out(`${so.yellow('skipped')}: ${job} is ${result.jobStatus ?? 'in another status'}, not ${options.ifStatus.join(' or ')}; nothing sent\n`);
    } else {
      const ids = result.requestId ? ` (request-id ${result.requestId})` : '';
      out(`${so.green(c.verb)} ${job} on service principal ${sp}${ids}\n`);
    }
  }
  let waited;
  if (name === 'start' && values.wait && !result.skipped) {
    const { ifStatus, ...rest } = options;
    waited = await waitFor(need('waitForSynchronizationJob'), token, sp, job, { ...rest, ...waitOptions, ...remaining() }, progress);
    if (!json && !quiet) out(`${so.green('done')}: ${jobLine(waited)}\n`);
  }
  if (json) out(JSON.stringify(values.wait ? { result, job: waited ?? null } : result, null, 2) + '\n');
  return EXIT.ok;
}

async function waitFor(fn, token, sp, job, options, progress) {
  let seen;
  state.onInterrupt = () => (seen ? `the job was last seen: ${jobLine(seen)}` : 'the job was not read yet');
  const j = await fn(token, sp, job, {
    ...options,
    onProgress: (current) => {
      seen = current;
      const p = Array.isArray(current?.status?.progress) ? current.status.progress[0] : undefined;
      progress.update(`waiting: ${p ? `${progressText(p)}, ` : ''}${jobLine(current)}`, progressFraction(p));
    },
  });
  progress.clear();
  state.onInterrupt = null;
  return j;
}

async function runMany(name, c, fn, token, input, options, values, json, progress) {
  let counts = { done: 0, total: input.length, ok: 0, failed: 0, skipped: 0 };
  const countText = (k) => `${k.done}/${k.total} done: ${k.ok} ok, ${k.skipped} skipped, ${k.failed} failed`;
  state.onInterrupt = () => `${countText(counts)}; the rest was not ${c.verb}`;
  let results;
  try {
    results = await fn(token, input.map((i) => i.job), {
      ...options,
      onProgress: (k) => {
        counts = { ...counts, ...k };
        progress.update(`${name}: ${countText(counts)}`, counts.total ? counts.done / counts.total : undefined, counts.done === counts.total);
      },
    });
  } catch (e) {
    progress.clear();
    // The library names the refused item by its index; people know the file's lines.
    const m = e instanceof GraphError && e.kind === 'invalidArgument' && (/\bjobs\[(\d+)\]/.exec(e.argument ?? '') || /\bjobs\[(\d+)\]/.exec(e.message));
    if (m && input[Number(m[1])]) {
      const where = `${values.file === '-' ? 'stdin' : values.file} line ${input[Number(m[1])].line}`;
      e.message = `${where}: ${e.message.replace(/^jobs\[\d+\][.\w]*:\s*/, '')}`;
    }
    if (json) {
      out(JSON.stringify({ summary: counts, interrupted: state.interrupted, error: e instanceof GraphError ? e.toJSON() : String(e) }, null, 2) + '\n');
      e.printed = true;
    }
    throw e;
  }
  progress.clear();
  state.onInterrupt = null;
  const summary = { total: results.length, ok: 0, skipped: 0, failed: 0 };
  // A skipped item is neither done nor failed (the library gives it ok: false, no error).
  const failed = (r) => !r.skipped && !r.ok;
  for (const r of results) {
    if (r.skipped) summary.skipped++;
    else if (r.ok) summary.ok++;
    else summary.failed++;
  }
  if (json) {
    const plain = results.map((r) => (r.error && typeof r.error.toJSON === 'function' ? { ...r, error: r.error.toJSON() } : r));
    out(JSON.stringify({ summary, results: plain }, null, 2) + '\n');
  } else {
    const rows = [];
    for (const r of results) {
      if (failed(r)) rows.push([so.red('failed'), r.servicePrincipalId, r.jobId, r.error ? describeError(r.error) : `status ${r.status}`]);
      else if (!isQuiet(values)) {
        rows.push(r.skipped ? [so.yellow('skipped'), r.servicePrincipalId, r.jobId, `status ${r.jobStatus ?? '?'}`]
          : [so.green(c.verb), r.servicePrincipalId, r.jobId, r.requestId ? `request-id ${r.requestId}` : '']);
      }
    }
    if (isQuiet(values)) {
      if (rows.length) err(table(rows));
    } else {
      if (rows.length) out(table(rows));
      out(`${summary.ok} ${c.verb}, ${summary.skipped} skipped, ${summary.failed} failed (of ${summary.total})\n`);
    }
  }
  return summary.failed ? EXIT.someFailed : EXIT.ok;
}
const isQuiet = (values) => !!values.quiet;

/** Edit distance, for "did you mean". */
function distance(a, b) {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

async function main(argv) {
  const json = argv.includes('--json');
  const first = argv[0];
  if (first === undefined) {
    err(mainHelp());
    return EXIT.usage;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = argv[1];
    if (topic && COMMANDS[topic]) out(commandHelp(topic));
    else out(mainHelp());
    return EXIT.ok;
  }
  if (first === '--version' || first === '-V') {
    out(json ? JSON.stringify({ version }) + '\n' : `${version}\n`);
    return EXIT.ok;
  }
  try {
    const c = COMMANDS[first];
    if (!c) {
      const near = Object.keys(COMMANDS).find((n) => distance(n, first) <= 2);
      throw usage(`unknown command '${first.startsWith('-') ? first.split('=')[0] : first}'${near ? ` (did you mean ${near}?)` : ''}; ${BIN} --help lists the commands`, 'command');
    }
    if (argv.some((a) => /^--token(=|$)/.test(a))) {
      throw usage('--token is not an option: a token on the command line leaks into shell history and the process list; ' +
        "set GRAPH_TOKEN in the environment or pass --token-command 'CMD'", '--token');
    }
    let parsed;
    try {
      parsed = parseArgs({ args: argv.slice(1), options: { ...COMMON, ...c.options }, allowPositionals: true, strict: true });
    } catch (e) {
      throw usage(`${e.message} (see ${BIN} ${first} --help)`, 'options');
    }
    if (parsed.values.help) {
      out(commandHelp(first));
      return EXIT.ok;
    }
    return await run(first, parsed.values, parsed.positionals, !!parsed.values.json);
  } catch (e) {
    state.progress?.clear();
    const code = exitCodeOf(e, state.interrupted);
    if (state.interrupted) {
      err(`${BIN}: interrupted${state.onInterrupt ? `; ${state.onInterrupt()}` : ''}\n`);
    } else {
      err(`${BIN}: ${code === EXIT.usage ? 'usage: ' : ''}${describeError(e)}\n`);
      if (e instanceof GraphError && e.kind === 'jobFailed' && e.job && !json) err(`  ${jobLine(e.job)}\n`);
    }
    if (json && !e.printed) out(JSON.stringify(e instanceof GraphError ? e.toJSON() : { name: 'Error', message: String(e) }, null, 2) + '\n');
    return code;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Leave the event loop to flush stdout; never hang on a stray handle.
setTimeout(() => process.exit(code), 2000).unref();
