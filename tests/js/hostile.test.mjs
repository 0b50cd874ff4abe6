// Issue #12: hostile platforms, servers and callers. Each defect class is tested in every export
// (tests/js/hostile/common.mjs EXPORTS) with several shapes, against a private graph-emulator
// (target/debug/graph-emulator, started here) and, for what it cannot send (gzip bombs, endless
// bodies, any Location, invalid UTF-8, the caller's own token echoed back), a node:http server on
// 127.0.0.1 started here (tests/js/hostile/server.mjs). The package is the built one, imported by
// name from a throwaway project (tests/js/hostile/package.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { getEventListeners } from 'node:events';
import { installPackage } from './hostile/package.mjs';
import { startHostileServer, encodings } from './hostile/server.mjs';
import {
  TOKEN, emulator, privateEmulator, control, recorded, clearRequests, freshJobs, EXPORTS, optionsFor, settle, rejected, resolved,
} from './hostile/common.mjs';

const stopEmulator = await privateEmulator();
const { lib, dir, cleanup } = await installPackage('hostile');
let srv;
const JOB = 'AppTemplate.00000000000000000000000000000000';
const quick = { retry: { maxRetries: 0 }, timeoutMs: 10_000 };

before(async () => {
  srv = await startHostileServer();
  await control('POST', '/reset');
});
after(async () => {
  await srv.close();
  await stopEmulator();
  cleanup();
});

/** ids for calls to the hostile server (its behaviour comes from the baseUrl, srv.base(mode)). */
const HIDS = { sp: 'e0a3f1c2-0000-4000-8000-000000000001', job: JOB, jobs: [JOB, `${JOB}1`] };

/** Runs `f` and asserts the emulator received no Graph request meanwhile. */
async function nothingSent(f) {
  await clearRequests();
  const out = await f();
  assert.deepEqual((await recorded()).map((r) => r.target), [], 'nothing may be sent');
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. Odd AbortSignals

const SIGNALS = {
  'Object.create(AbortSignal.prototype)': { refused: true, make: () => Object.create(AbortSignal.prototype) },
  'a real signal whose addEventListener throws': {
    refused: true,
    make: () => {
      const s = new AbortController().signal;
      s.addEventListener = () => { throw new Error('no listeners here'); };
      return s;
    },
  },
  'a real signal whose aborted getter throws': {
    refused: true,
    make: () => {
      const s = new AbortController().signal;
      Object.defineProperty(s, 'aborted', { get() { throw new Error('aborted?'); } });
      return s;
    },
  },
  'a Proxy whose every trap throws': {
    refused: true,
    make: () => new Proxy(new AbortController().signal, Object.fromEntries(
      ['get', 'has', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'ownKeys', 'set', 'defineProperty']
        .map((trap) => [trap, () => { throw new Error(`trap ${trap}`); }]),
    )),
  },
  'a revoked Proxy': {
    refused: true,
    make: () => {
      const { proxy, revoke } = Proxy.revocable(new AbortController().signal, {});
      revoke();
      return proxy;
    },
  },
  'a real signal whose removeEventListener throws': {
    make: () => {
      const s = new AbortController().signal;
      s.removeEventListener = () => { throw new Error('cannot remove'); };
      return s;
    },
  },
  'an aborted signal whose reason getter throws': {
    aborted: true,
    make: () => {
      const s = AbortSignal.abort(new Error('gone'));
      Object.defineProperty(s, 'reason', { get() { throw new Error('reason?'); } });
      return s;
    },
  },
  'a Proxy of a real signal': { make: () => new Proxy(new AbortController().signal, {}) },
  'a frozen real signal': { make: () => Object.freeze(new AbortController().signal) },
  'a look-alike that never fires': {
    make: () => ({ aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} }),
  },
  'a look-alike whose methods are getters that throw': {
    refused: true,
    make: () => ({ aborted: false, get addEventListener() { throw new Error('x'); } }),
  },
};

test('1. odd AbortSignals: every export settles; refused ones send nothing; usable ones work', async (t) => {
  for (const x of EXPORTS) {
    for (const [shape, s] of Object.entries(SIGNALS)) {
      await t.test(`${x.name}: ${shape}`, async () => {
        const ids = await freshJobs(2);
        await clearRequests();
        const r = await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick, signal: s.make() })), 5_000);
        const sent = await recorded();
        if (s.refused) {
          const e = rejected(r, shape);
          assert.equal(e.kind, 'invalidArgument');
          assert.equal(e.argument, 'options.signal');
          assert.equal(e.attempts, 0);
          assert.equal(sent.length, 0, 'nothing sent');
        } else if (s.aborted) {
          const e = rejected(r, shape);
          assert.ok(['aborted', 'invalidArgument'].includes(e.kind), e.kind);
          assert.equal(sent.length, 0, 'nothing sent');
        } else {
          resolved(r, shape, x.bulk);
        }
      });
    }
  }
});

test('1. odd AbortSignals: other callers in the same tick settle normally', async () => {
  const ids = await freshJobs(2);
  for (const x of EXPORTS) {
    const calls = [];
    for (const s of Object.values(SIGNALS)) {
      calls.push(settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick, signal: s.make() })), 5_000));
      calls.push(settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick })), 5_000));
    }
    const results = await Promise.all(calls);
    for (let i = 1; i < results.length; i += 2) resolved(results[i], `${x.name} beside an odd signal`, x.bulk);
    for (const r of results) assert.ok(!r.hung && !r.threw);
  }
});

test('1. odd AbortSignals: timeoutMs still applies with a usable signal that never fires', async () => {
  const cases = [];
  for (const x of EXPORTS) {
    for (const shape of ['a Proxy of a real signal', 'a look-alike that never fires', 'a real signal whose removeEventListener throws']) {
      const ids = await freshJobs(2);
      // pathContains also matches a $batch sub-request's url, so bulk calls are delayed too.
      await control('POST', '/faults', { count: 1, match: { pathContains: ids.sp }, fault: { kind: 'delay', ms: 3_000 } });
      cases.push({ x, shape, ids });
    }
  }
  // All at once (each waits for its own slow answer), so the class costs one deadline, not 27.
  await Promise.all(cases.map(async ({ x, shape, ids }) => {
    const t0 = Date.now();
    const r = await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, timeoutMs: 300, signal: SIGNALS[shape].make() })), 5_000);
    const e = rejected(r, `${x.name}: ${shape}`);
    assert.equal(e.kind, 'timeout', `${x.name}: ${shape}: ${e.message}`);
    assert.ok(Date.now() - t0 < 2_000, `${x.name}: ${shape}: took ${Date.now() - t0} ms`);
  }));
  await control('DELETE', '/faults');
});

test('1. odd AbortSignals: Node does not exit with a call unsettled (child process, no other timers)', () => {
  const shapes = Object.entries(SIGNALS).map(([name, s]) => `[${JSON.stringify(name)}, ${s.make.toString()}]`);
  const script = `
    import * as lib from 'graph-sync-job';
    const shapes = [${shapes.join(',\n')}];
    const names = ${JSON.stringify(EXPORTS.map((x) => x.name))};
    const sp = 'node-exit-sp', job = 'Exit.0001';
    let total = 0, settled = 0;
    const out = {};
    process.on('exit', () => {
      console.log(JSON.stringify({ total, settled, out }));
      if (settled !== total) process.exitCode = 3;
    });
    for (const [name, make] of shapes) {
      for (const f of names) {
        const options = { baseUrl: ${JSON.stringify(emulator)}, retry: { maxRetries: 0 }, signal: make() };
        if (f === 'waitForSynchronizationJob') Object.assign(options, { until: 'active', pollIntervalMs: 1000 });
        const p = f.endsWith('Jobs') ? lib[f]('${TOKEN}', [{ servicePrincipalId: sp, jobId: job }], options)
          : f === 'listSynchronizationJobs' ? lib[f]('${TOKEN}', sp, options) : lib[f]('${TOKEN}', sp, job, options);
        total++;
        p.then((v) => { settled++; out[name + ' ' + f] = 'ok'; }, (e) => { settled++; out[name + ' ' + f] = e.kind; });
      }
    }`;
  writeFileSync(join(dir, 'node-exit.mjs'), script);
  let stdout;
  try {
    stdout = execFileSync(process.execPath, ['node-exit.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  } catch (e) {
    assert.fail(`child exited ${e.status}: ${e.stdout} ${e.stderr}`);
  }
  const { total, settled } = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.equal(settled, total);
  assert.equal(total, Object.keys(SIGNALS).length * EXPORTS.length);
});

// ---------------------------------------------------------------------------------------------
// 2. Hostile bodies: huge, endless, paced, gzip bombs, over the success cap, invalid UTF-8

const BODIES = {
  'emulator: 200 MB JSON error body (Content-Length)': {
    fault: { kind: 'body', status: 500, bytes: 200_000_000, chunkBytes: 1_048_576 },
  },
  'emulator: 200 MB text error body (chunked)': {
    fault: { kind: 'body', status: 503, bytes: 200_000_000, chunkBytes: 65_536, contentType: 'text/plain', contentLength: false },
  },
  'emulator: 10 MB paced error body (16 KiB every 10 ms, 6 s in all)': {
    fault: { kind: 'body', status: 500, bytes: 10_000_000, chunkBytes: 16_384, intervalMs: 10 },
  },
  'local: gzip bomb (1 MiB gzip, 1 GiB inflated)': { mode: 'bomb' },
  'local: endless chunked JSON': { mode: 'endless~500' },
  'local: endless chunked text': { mode: 'endless~text' },
};

test('2. hostile error bodies: read as a stream and cut at 64 Ki units; RSS bounded; quick', async (t) => {
  for (const x of EXPORTS) {
    for (const [shape, b] of Object.entries(BODIES)) {
      await t.test(`${x.name}: ${shape}`, async () => {
        let ids = HIDS;
        let base = srv.base(b.mode);
        if (b.fault) {
          ids = await freshJobs(2);
          base = emulator;
          await control('POST', '/faults', { count: 1, fault: b.fault });
        }
        const rss0 = process.memoryUsage().rss;
        const t0 = Date.now();
        const r = await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: base, ...quick })), 10_000);
        const ms = Date.now() - t0;
        const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
        let e;
        if (x.bulk) {
          const items = resolved(r, shape);
          assert.ok(items.every((i) => !i.ok && i.error), 'every item failed');
          e = items[0].error;
        } else {
          e = rejected(r, shape);
        }
        assert.equal(e.kind, 'http', e.message);
        assert.ok(e.status >= 500, `status ${e.status}`);
        assert.equal(e.bodyTruncated, true);
        assert.ok(typeof e.body === 'string' && e.body.length <= 65_536 && e.body.length > 60_000, `body length ${e.body?.length}`);
        assert.ok(grown < 150, `RSS grew ${grown.toFixed(0)} MiB`);
        assert.ok(ms < 5_000, `took ${ms} ms`);
      });
    }
  }
});

test('2. success bodies are capped at 4 MiB (get, list, wait; emulator 200 MB and local 64 MiB)', async (t) => {
  const reads = EXPORTS.filter((x) => ['getSynchronizationJob', 'listSynchronizationJobs', 'waitForSynchronizationJob'].includes(x.name));
  for (const x of reads) {
    for (const where of ['emulator', 'local']) {
      await t.test(`${x.name}: ${where}`, async () => {
        let ids = HIDS;
        let base = srv.base('success-huge');
        if (where === 'emulator') {
          ids = await freshJobs(1);
          base = emulator;
          await control('POST', '/faults', { count: 1, fault: { kind: 'body', status: 200, bytes: 200_000_000, chunkBytes: 1_048_576 } });
        }
        const rss0 = process.memoryUsage().rss;
        const t0 = Date.now();
        const e = rejected(await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: base, ...quick })), 10_000), x.name);
        assert.equal(e.kind, 'http');
        assert.equal(e.status, 200);
        assert.equal(e.bodyTruncated, true);
        assert.ok(e.body.length <= 65_536);
        assert.ok((process.memoryUsage().rss - rss0) / 2 ** 20 < 150, 'RSS bounded');
        assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
      });
    }
  }
});

test('2. invalid UTF-8 in an error body is decoded with replacement characters, not refused', async () => {
  for (const x of EXPORTS) {
    const r = await settle(() => x.call(lib, TOKEN, HIDS, optionsFor(x, { baseUrl: srv.base('badutf8~400'), ...quick })));
    const e = x.bulk ? resolved(r, x.name)[0].error : rejected(r, x.name);
    assert.equal(e.status, 400);
    assert.ok(e.code.startsWith('Bad') && e.code.endsWith('Code') && e.code.includes('\uFFFD'), e.code);
    assert.ok(e.body.includes('\uFFFD'));
    assert.ok(e.body.isWellFormed(), 'the body is well-formed text');
  }
});

// ---------------------------------------------------------------------------------------------
// 3. Redaction: every token the call used, in every form, everywhere

const TOKENS = {
  jwt: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJl-_x',
  base64: 'Zm9vYmFy/YmF6+cXV4=LmRvdA.slash/plus+eq==',
  opaque: 'EwBwA8l6BAAURSN/FHlDW5xN74t6GIjLjTCcJp1YAb-Q~_.x',
};

function leaks(e, tokens) {
  const texts = {
    message: e.message, body: e.body, stack: e.stack, string: String(e), json: JSON.stringify(e),
    toJSON: JSON.stringify(e.toJSON()), headers: JSON.stringify(e.headers), inspect: inspect(e, { depth: 20 }),
    innerErrors: JSON.stringify(e.innerErrors), details: JSON.stringify(e.details), requestId: String(e.requestId),
    target: String(e.target), code: String(e.code),
  };
  const found = [];
  for (const token of tokens) {
    for (const [form, enc] of Object.entries(encodings(token))) {
      for (const [where, text] of Object.entries(texts)) {
        if (typeof text === 'string' && text.includes(enc)) found.push(`${form} in ${where}`);
      }
    }
  }
  return found;
}

test('3. redaction: a token echoed in every form is absent from every field of every export', async (t) => {
  for (const x of EXPORTS) {
    for (const [shape, token] of Object.entries(TOKENS)) {
      await t.test(`${x.name}: ${shape}`, async () => {
        let retried;
        const r = await settle(() => x.call(lib, token, HIDS, optionsFor(x, { baseUrl: srv.base('echo~429'), timeoutMs: 5_000, retry: { maxRetries: 1, baseDelayMs: 1 },
          onRetry: (info) => { retried = info; },
        })));
        const e = x.bulk ? resolved(r, x.name)[0].error : rejected(r, x.name);
        assert.equal(e.status, 429);
        assert.ok(e.body.includes('[redacted]'), 'redacted marker present');
        assert.deepEqual(leaks(e, [token]), []);
        if (retried) assert.deepEqual(leaks(retried.error, [token]), [], "onRetry's error");
        assert.ok(!x.bulk ? retried : true, 'onRetry was called');
      });
    }
  }
});

test('3. redaction: after a 401 refresh, both the first and the second token are absent', async () => {
  for (const x of EXPORTS) {
    const [first, second] = [TOKENS.jwt, TOKENS.opaque];
    let n = 0;
    const source = () => (n++ === 0 ? first : { accessToken: second });
    // The first attempt gets 401 (refresh), the second 400; both echo the token they carried.
    const mode = `echo~401`;
    const seen = [];
    const r1 = await settle(() => x.call(lib, source, HIDS, optionsFor(x, { baseUrl: srv.base(mode), ...quick, onRetry: (i) => seen.push(i.error),
    })));
    const e = x.bulk ? resolved(r1, x.name)[0].error : rejected(r1, x.name);
    assert.equal(e.status, 401);
    assert.ok(n >= (x.bulk ? 1 : 2), `${x.name}: token source called ${n} times`);
    assert.deepEqual(leaks(e, [first, second]), [], x.name);
    for (const s of seen) assert.deepEqual(leaks(s, [first, second]), [], `${x.name} onRetry`);
  }
});

test("3. redaction: onResponse's headers and returned jobs never carry the token", async () => {
  for (const x of EXPORTS) {
    const token = TOKENS.base64;
    let info;
    const status = ['getSynchronizationJob', 'listSynchronizationJobs', 'waitForSynchronizationJob'].includes(x.name) ? 200 : 204;
    const r = await settle(() => x.call(lib, token, HIDS, optionsFor(x, { baseUrl: srv.base(`echo~${status}`), ...quick, onResponse: (i) => { info = i; },
    })));
    if (x.bulk) continue; // bulk calls go through $batch, whose answer the echo server does not speak
    const value = resolved(r, x.name);
    for (const [form, enc] of Object.entries(encodings(token))) {
      assert.ok(!JSON.stringify(value).includes(enc), `${x.name}: ${form} in the value`);
      if (info) assert.ok(!JSON.stringify(info).includes(enc), `${x.name}: ${form} in onResponse`);
    }
    if (status === 204) assert.ok(info && info.headers['x-echo-raw'] === '[redacted]', `${x.name}: onResponse headers`);
  }
});

test('3. redaction: a token cut by the 64 KiB cap leaves no piece of itself', async () => {
  const token = TOKENS.jwt;
  const pieces = (s) => Array.from({ length: s.length - 7 }, (_, i) => s.slice(i, i + 8));
  for (const x of EXPORTS) {
    for (const offset of [-40, -9, -1, 0, 1, 9, 40]) {
      const r = await settle(() => x.call(lib, token, HIDS, optionsFor(x, { baseUrl: srv.base(`echocut~${offset}`), ...quick })));
      const e = x.bulk ? resolved(r, x.name)[0].error : rejected(r, x.name);
      assert.equal(e.bodyTruncated, true);
      for (const p of pieces(token)) {
        assert.ok(!e.body.includes(p) && !e.message.includes(p), `${x.name} offset ${offset}: ${p} left in the body`);
      }
    }
  }
});

test('3. tokens shorter than 16 characters are refused before sending', async () => {
  for (const x of EXPORTS) {
    const ids = await freshJobs(1);
    for (const short of ['a', 'abc.def', 'x'.repeat(15)]) {
      await nothingSent(async () => {
        const e = rejected(await settle(() => x.call(lib, short, ids, optionsFor(x, { baseUrl: emulator, ...quick }))), x.name);
        assert.equal(e.kind, 'invalidArgument');
        assert.equal(e.argument, 'token');
        assert.equal(e.attempts, 0);
        for (const source of [() => short, async () => ({ accessToken: short }), { getToken: async () => ({ token: short }) }]) {
          const f = rejected(await settle(() => x.call(lib, source, ids, optionsFor(x, { baseUrl: emulator, ...quick }))), x.name);
          assert.ok(['token', 'invalidArgument'].includes(f.kind), f.kind);
          assert.equal(f.attempts, 0);
        }
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// 4. Redirects are never followed

test('4. redirects (emulator, 301-308): kind http, that status, Location in headers, one request', async (t) => {
  for (const x of EXPORTS) {
    for (const status of [301, 302, 303, 307, 308]) {
      await t.test(`${x.name}: ${status}`, async () => {
        const ids = await freshJobs(2);
        const location = `${emulator}/beta/servicePrincipals/${ids.sp}/synchronization/jobs`;
        await control('POST', '/faults', { count: 1000, fault: { kind: 'redirect', status, location } });
        await clearRequests();
        const r = await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick })));
        await control('DELETE', '/faults');
        const e = x.bulk ? resolved(r, x.name)[0].error : rejected(r, x.name);
        assert.equal(e.kind, 'http');
        assert.equal(e.status, status);
        assert.equal(e.headers.location, location);
        assert.equal((await recorded()).length, 1, 'exactly one request');
      });
    }
  }
});

test('4. redirects (local): loops and arbitrary Locations are not followed', async (t) => {
  const LOCATIONS = {
    'a loop to itself': undefined,
    'javascript:': 'javascript:alert(document.cookie)',
    'protocol-relative': '//evil.example/steal',
    'file:': 'file:///etc/passwd',
    'unparseable': 'http://[::1',
    'empty': '',
    'very long': `https://evil.example/${'a'.repeat(8000)}`,
    'another Graph': 'https://graph.microsoft.com/beta/me',
  };
  for (const x of EXPORTS) {
    for (const [shape, location] of Object.entries(LOCATIONS)) {
      await t.test(`${x.name}: ${shape}`, async () => {
        const before = srv.requests.length;
        // Without a location the server answers with its own URL: a loop.
        const mode = location === undefined ? 'redirect~302' : `redirect~307~${srv.location(location)}`;
        const r = await settle(() => x.call(lib, TOKEN, HIDS, optionsFor(x, { baseUrl: srv.base(mode), ...quick })));
        const e = x.bulk ? resolved(r, x.name)[0].error : rejected(r, x.name);
        assert.equal(e.kind, 'http');
        assert.ok([302, 307].includes(e.status), `status ${e.status}`);
        if (location) assert.equal(e.headers.location, location);
        assert.equal(srv.requests.length - before, 1, 'exactly one request');
      });
    }
  }
});

test('4. a Location with raw non-UTF-8 bytes', async () => {
  for (const x of EXPORTS) {
    const before = srv.requests.length;
    const r = await settle(() => x.call(lib, TOKEN, HIDS, optionsFor(x, { baseUrl: srv.base('rawlocation'), ...quick })));
    const e = x.bulk ? resolved(r, x.name)[0].error : rejected(r, x.name);
    assert.equal(e.status, 302);
    assert.ok(e.headers.location.startsWith('https://evil.example/'));
    assert.equal(srv.requests.length - before, 1);
  }
});

// ---------------------------------------------------------------------------------------------
// 5. Options are read as own properties only

const POLLUTION = {
  baseUrl: 'http://127.0.0.1:9/polluted', cloud: 'china', apiVersion: 'v1.0', timeoutMs: 1,
  retry: { maxRetries: 10, baseDelayMs: 60_000 }, signal: AbortSignal.abort(new Error('polluted')),
  clientRequestId: 'polluted-client-request-id', onRetry: () => { throw new Error('polluted'); },
  onResponse: () => {}, onProgress: () => {}, ifStatus: ['NotConfigured'], resetScope: ['Full'],
  until: 'steadyState', pollIntervalMs: 86_400_000, concurrency: 1, scopes: ['polluted/.default'],
  maxRetries: 10, maxDelayMs: 1, baseDelayMs: 1,
};

/** Runs `f` with Object.prototype polluted and globalThis.fetch stubbed; restores both. */
async function polluted(f) {
  const urls = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    urls.push({ url: String(url), headers: init && init.headers });
    return new Response('{"error":{"code":"Request_ResourceNotFound","message":"stub"}}', {
      status: 404, headers: { 'content-type': 'application/json' },
    });
  };
  for (const [k, v] of Object.entries(POLLUTION)) {
    Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true, enumerable: false });
  }
  try {
    return { result: await f(), urls };
  } finally {
    for (const k of Object.keys(POLLUTION)) delete Object.prototype[k];
    globalThis.fetch = realFetch;
  }
}

test('5. a polluted Object.prototype changes nothing: {} and no options go to the default host', async () => {
  const ids = { sp: '3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d', job: 'salesforce.e4bbf44533ea4eabb17027f3a92e92aa' };
  ids.jobs = [ids.job];
  for (const x of EXPORTS) {
    const shapes = {
      '{}': () => ({}), 'no options': () => undefined, 'Object.create(null)': () => Object.create(null),
      '{ retry: {} }': () => ({ retry: {} }),
    };
    for (const [shape, make] of Object.entries(shapes)) {
      const { result: r, urls } = await polluted(() => settle(() => x.call(lib, TOKEN, ids, make()), 5_000));
      const e = x.bulk ? resolved(r, `${x.name} ${shape}`)[0].error : rejected(r, `${x.name} ${shape}`);
      assert.equal(e.kind, 'http', `${x.name} ${shape}: ${e.message}`);
      assert.equal(e.status, 404);
      assert.equal(urls.length, 1, `${x.name} ${shape}: one request`);
      assert.ok(urls[0].url.startsWith('https://graph.microsoft.com/beta/'), `${x.name} ${shape}: ${urls[0].url}`);
      assert.notEqual(e.clientRequestId, POLLUTION.clientRequestId);
    }
  }
  assert.equal({}.baseUrl, undefined, 'restored');
});

test('5. options that are not plain objects are refused; unknown names get "did you mean"', async () => {
  class Options { constructor() { this.timeoutMs = 1000; } }
  const NOT_PLAIN = {
    array: () => [], 'array with an option': () => Object.assign([], { timeoutMs: 1000 }), 'class instance': () => new Options(),
    Map: () => new Map([['timeoutMs', 1000]]), Date: () => new Date(), 'a function': () => () => {},
    'a string': () => 'baseUrl=x', 'a number': () => 42, 'a Promise': () => Promise.resolve({}),
    'Object.create({})': () => Object.create({ timeoutMs: 5 }), 'a boxed string': () => new String('x'),
  };
  const TYPOS = {
    baseURL: [{ baseURL: emulator }, 'baseUrl'], BaseUrl: [{ BaseUrl: emulator }, 'baseUrl'],
    'retry.maxRetires': [{ retry: { maxRetires: 1 } }, 'maxRetries'], timeOutMs: [{ timeOutMs: 100 }, 'timeoutMs'],
    signall: [{ signall: new AbortController().signal }, 'signal'], onretry: [{ onretry() {} }, 'onRetry'],
    clientRequestID: [{ clientRequestId: undefined, clientRequestID: 'x' }, 'clientRequestId'],
  };
  for (const x of EXPORTS) {
    const ids = await freshJobs(1);
    await nothingSent(async () => {
      for (const [shape, make] of Object.entries(NOT_PLAIN)) {
        const e = rejected(await settle(() => x.call(lib, TOKEN, ids, make())), `${x.name} ${shape}`);
        assert.equal(e.kind, 'invalidArgument', `${x.name} ${shape}`);
        assert.equal(e.argument, 'options', `${x.name} ${shape}`);
      }
      for (const [shape, [opts, want]] of Object.entries(TYPOS)) {
        const e = rejected(await settle(() => x.call(lib, TOKEN, ids, { baseUrl: emulator, ...opts })), `${x.name} ${shape}`);
        assert.equal(e.kind, 'invalidArgument');
        assert.ok(e.message.includes(`did you mean ${want}?`), `${x.name} ${shape}: ${e.message}`);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 6. Server-chosen __proto__ keys

function assertPlain(v, where, seen = new Set()) {
  if (!v || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  const proto = Object.getPrototypeOf(v);
  assert.ok(proto === Object.prototype || proto === Array.prototype || proto === null, `${where}: prototype is not Object.prototype`);
  // A server's own "__proto__" or "polluted" key is data; inheriting one would be pollution.
  if (!Object.hasOwn(v, 'polluted')) assert.equal(v.polluted, undefined, `${where}: inherits "polluted"`);
  for (const [k, child] of Object.entries(v)) assertPlain(child, `${where}.${k}`, seen);
}

const PROTO_ERROR = JSON.stringify({ error: { code: 'ProtoCode', message: 'm', target: 't' } }).replace('"target":"t"',
  '"target":"t","__proto__":{"polluted":"error"},"details":[{"code":"d","__proto__":{"polluted":"detail"}},'
  + '{"constructor":{"prototype":{"polluted":"ctor"}}}],"innerError":{"date":"2026-01-01T00:00:00","__proto__":{"polluted":"inner"},'
  + '"innererror":{"code":"deeper","__proto__":{"polluted":"inner2"},"InnerError":{"code":"deepest","__proto__":{"polluted":"inner3"}}}}');

test('6. __proto__ keys in error details and innerErrors of every export', async () => {
  for (const x of EXPORTS) {
    const ids = await freshJobs(2);
    await control('POST', '/faults', { count: 1, fault: { kind: 'text', status: 400, body: PROTO_ERROR, headers: { 'content-type': 'application/json' } } });
    const r = await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick })));
    const e = x.bulk ? resolved(r, x.name)[0].error : rejected(r, x.name);
    assert.equal(e.code, 'ProtoCode');
    assert.equal(e.innerErrors.length, 3, JSON.stringify(e.innerErrors));
    assert.equal(e.details.length, 2);
    assertPlain(e.innerErrors, `${x.name} innerErrors`);
    assertPlain(e.details, `${x.name} details`);
    assertPlain(e.headers, `${x.name} headers`);
    assertPlain(e.toJSON(), `${x.name} toJSON()`);
    assertPlain(structuredClone(e.toJSON()), `${x.name} structuredClone(toJSON())`);
    assert.equal({}.polluted, undefined, 'Object.prototype untouched');
  }
});

test('6. __proto__ keys in returned jobs (get, list, wait and its onProgress)', async () => {
  const progress = [];
  const job = await lib.getSynchronizationJob(TOKEN, HIDS.sp, JOB, { baseUrl: srv.base('job'), ...quick });
  const jobs = await lib.listSynchronizationJobs(TOKEN, HIDS.sp, { baseUrl: srv.base('job'), ...quick });
  const waited = await lib.waitForSynchronizationJob(TOKEN, HIDS.sp, JOB, {
    baseUrl: srv.base('job'), ...quick, until: 'active', onProgress: (j) => progress.push(j),
  });
  assert.equal(jobs.length, 2);
  for (const [where, v] of [['get', job], ['list', jobs], ['wait', waited], ['onProgress', progress]]) {
    assertPlain(v, where);
    assertPlain(structuredClone(v), `${where} cloned`);
  }
  assert.equal(job.status.code, 'Active', 'the job is otherwise read normally');
  assert.equal({}.polluted, undefined, 'Object.prototype untouched');
});

// ---------------------------------------------------------------------------------------------
// 7. Callbacks that throw or reject

const CALLBACKS = {
  'throws an Error': () => { throw new Error('callback failed'); },
  'throws a revoked Proxy': () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy; },
  'throws a Symbol': () => { throw Symbol('s'); },
  'returns a rejected promise': () => Promise.reject(new Error('async callback failed')),
  'is async and throws': async () => { throw new Error('async'); },
  'returns a thenable whose then throws': () => ({ then() { throw new Error('then'); } }),
  'returns an object whose then getter throws': () => ({ get then() { throw new Error('then getter'); } }),
  'returns a promise that never settles': () => new Promise(() => {}),
  'returns a revoked Proxy': () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; },
};

test('7. callbacks that throw or reject: no unhandled rejection, outcome unchanged', async () => {
  const problems = [];
  const onUnhandled = (reason) => problems.push(`unhandledRejection: ${String(reason?.message ?? typeof reason)}`);
  const onUncaught = (err) => problems.push(`uncaughtException: ${err?.message}`);
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUncaught);
  try {
    const cases = [];
    for (const x of EXPORTS) {
      for (const [shape, cb] of Object.entries(CALLBACKS)) {
        const ids = await freshJobs(2);
        // One 429 (Retry-After 0) first, so onRetry runs; then success, so onResponse/onProgress run.
        await control('POST', '/faults', { count: 1, match: { pathContains: ids.sp }, fault: { kind: 'status', status: 429, retryAfter: '0' } });
        cases.push({ x, shape, cb, ids });
      }
    }
    // All at once: each waits out its own retry.
    await Promise.all(cases.map(async ({ x, shape, cb, ids }) => {
      const calls = { onRetry: 0, onResponse: 0, onProgress: 0 };
      const wrap = (name) => (...a) => { calls[name]++; return cb(...a); };
      const opts = { baseUrl: emulator, timeoutMs: 5_000, onRetry: wrap('onRetry') };
      if (x.bulk || x.name === 'waitForSynchronizationJob') opts.onProgress = wrap('onProgress');
      else opts.onResponse = wrap('onResponse');
      const value = resolved(await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, opts))), `${x.name} ${shape}`, x.bulk);
      if (x.bulk) assert.equal(value.length, 2);
      if (!x.bulk) assert.equal(calls.onRetry, 1, `${x.name} ${shape}: onRetry ran once`);
      if (x.bulk || x.name === 'waitForSynchronizationJob') assert.ok(calls.onProgress >= 1, `${x.name} ${shape}: onProgress ran`);
      else assert.equal(calls.onResponse, 1, `${x.name} ${shape}: onResponse ran`);
    }));
    // Rejections are reported after a turn of the event loop: give them two.
    await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUncaught);
  }
  assert.deepEqual(problems, []);
});

// ---------------------------------------------------------------------------------------------
// 8. Lone surrogates

const LONE = { 'a\\uD800b': 'a\uD800b', '\\uDC00 alone': '\uDC00', 'trailing high': 'abc\uD83D', 'reversed pair': 'x\uDE00\uD83Dy' };

test('8. lone surrogates in ids, tokens and clientRequestId are refused, nothing sent', async () => {
  for (const x of EXPORTS) {
    const ids = await freshJobs(1);
    await nothingSent(async () => {
      for (const [shape, bad] of Object.entries(LONE)) {
        const cases = [
          ['servicePrincipalId', { ...ids, sp: bad }],
          ['jobId', { ...ids, job: bad, jobs: [bad] }],
        ];
        if (x.name === 'listSynchronizationJobs') cases.pop();
        for (const [argument, badIds] of cases) {
          const e = rejected(await settle(() => x.call(lib, TOKEN, badIds, optionsFor(x, { baseUrl: emulator, ...quick }))), `${x.name} ${argument} ${shape}`);
          assert.equal(e.kind, 'invalidArgument');
          assert.equal(e.argument, x.bulk ? 'jobs' : argument);
        }
        const e = rejected(await settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick, clientRequestId: `crid${bad}` }))), `${x.name} crid ${shape}`);
        assert.equal(e.argument, 'options.clientRequestId');
        const badToken = `${TOKEN}${bad}`;
        const t1 = rejected(await settle(() => x.call(lib, badToken, ids, optionsFor(x, { baseUrl: emulator, ...quick }))), `${x.name} token ${shape}`);
        assert.equal(t1.kind, 'invalidArgument');
        assert.equal(t1.argument, 'token');
        for (const source of [() => badToken, async () => ({ accessToken: badToken }), { getToken: async () => ({ token: badToken }) }]) {
          const t2 = rejected(await settle(() => x.call(lib, source, ids, optionsFor(x, { baseUrl: emulator, ...quick }))), `${x.name} token source ${shape}`);
          assert.ok(['token', 'invalidArgument'].includes(t2.kind));
          assert.equal(t2.attempts, 0);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 9. Token sources giving both accessToken and token

test('9. a token source giving { accessToken, token } is refused (kind token); either alone works', async () => {
  for (const x of EXPORTS) {
    const ids = await freshJobs(2);
    await nothingSent(async () => {
      const BOTH = {
        'function, both': () => ({ accessToken: TOKEN, token: TOKEN }),
        'async function, both (different)': async () => ({ accessToken: TOKEN, token: 'demo-token-readonly' }),
        'credential, both': { getToken: async () => ({ token: TOKEN, accessToken: TOKEN, expiresOnTimestamp: 0 }) },
        'function, both via getters': () => ({ get accessToken() { return TOKEN; }, get token() { return TOKEN; } }),
      };
      for (const [shape, source] of Object.entries(BOTH)) {
        const e = rejected(await settle(() => x.call(lib, source, ids, optionsFor(x, { baseUrl: emulator, ...quick }))), `${x.name} ${shape}`);
        assert.equal(e.kind, 'token', `${x.name} ${shape}: ${e.message}`);
        assert.equal(e.attempts, 0);
      }
    });
    const ALONE = {
      '{ accessToken }': () => ({ accessToken: TOKEN }), '{ token }': () => ({ token: TOKEN }),
      'async { accessToken }': async () => ({ accessToken: TOKEN }), 'credential { token }': { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: 0 }) },
      '{ accessToken, token: undefined }': () => ({ accessToken: TOKEN, token: undefined }),
    };
    for (const [shape, source] of Object.entries(ALONE)) {
      resolved(await settle(() => x.call(lib, source, ids, optionsFor(x, { baseUrl: emulator, ...quick }))), `${x.name} ${shape}`, x.bulk);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// 10. One AbortSignal shared by many calls

test('10. one AbortSignal shared by 20 concurrent calls of each export: no MaxListenersExceededWarning', async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const ids = await freshJobs(2);
    for (const make of [() => new AbortController().signal, () => AbortSignal.timeout(60_000), () => AbortSignal.any([new AbortController().signal])]) {
      const signal = make();
      for (let round = 0; round < 2; round++) {
        for (const x of EXPORTS) {
          const results = await Promise.all(Array.from({ length: 20 }, () =>
            settle(() => x.call(lib, TOKEN, ids, optionsFor(x, { baseUrl: emulator, ...quick, signal })))));
          for (const r of results) resolved(r, x.name, x.bulk);
          assert.ok(getEventListeners(signal, 'abort').length <= 1, `${getEventListeners(signal, 'abort').length} abort listeners`);
        }
      }
    }
    // All 20 in flight when the shared signal fires: every one rejects aborted, promptly.
    for (const x of EXPORTS) {
      const ids2 = await freshJobs(2);
      await control('POST', '/faults', { count: 100, match: { pathContains: ids2.sp }, fault: { kind: 'delay', ms: 2_000 } });
      const controller = new AbortController();
      const pending = Array.from({ length: 20 }, () =>
        settle(() => x.call(lib, TOKEN, ids2, optionsFor(x, { baseUrl: emulator, ...quick, signal: controller.signal })), 5_000));
      setTimeout(() => controller.abort(new Error('stop')), 50);
      const t0 = Date.now();
      for (const r of await Promise.all(pending)) assert.equal(rejected(r, x.name).kind, 'aborted');
      assert.ok(Date.now() - t0 < 1_500, `${x.name}: aborted in ${Date.now() - t0} ms`);
    }
    await control('DELETE', '/faults');
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.filter((w) => w.includes('MaxListeners')), []);
});

test('9. a polluted Object.prototype.accessToken, .token or .getToken changes no token source', async () => {
  const ids = await freshJobs(1, 'Paused');
  class Credential {
    async getToken() {
      return { token: TOKEN, expiresOnTimestamp: 0 };
    }
  }
  const keys = ['accessToken', 'token', 'getToken'];
  try {
    Object.prototype.accessToken = 'x'.repeat(20);
    Object.prototype.token = 'y'.repeat(20);
    Object.prototype.getToken = async () => ({ token: 'z'.repeat(20) });
    for (const source of [() => ({ token: TOKEN }), () => ({ accessToken: TOKEN }), new Credential()]) {
      const r = await settle(() => lib.startSynchronizationJob(source, ids.sp, ids.job, { baseUrl: emulator, ...quick }));
      assert.equal(resolved(r, 'start').status, 204, `${inspect(source)}: ${r.error && r.error.message}`);
    }
    // A plain object is no credential because Object.prototype has a getToken.
    const r = await nothingSent(() => settle(() => lib.startSynchronizationJob({}, ids.sp, ids.job, { baseUrl: emulator })));
    assert.equal(rejected(r, 'start {}').argument, 'token');
  } finally {
    for (const k of keys) delete Object.prototype[k];
  }
});

test("2. a huge Graph message is cut to 4,096 characters; the body keeps the text up to its cap", async () => {
  const ids = await freshJobs(1);
  await control('POST', '/faults', { count: 1, match: { pathContains: ids.job }, fault: { kind: 'status', status: 500, code: 'Big', message: 'm'.repeat(100_000) } });
  const e = rejected(await settle(() => lib.getSynchronizationJob(TOKEN, ids.sp, ids.job, { baseUrl: emulator, ...quick })), 'get');
  assert.equal(e.code, 'Big');
  assert.equal(e.message.length, 4097);
  assert.ok(e.message.endsWith('…'));
  assert.equal(e.body.length, 65_536);
  assert.equal(e.bodyTruncated, true);
});

test('bulk calls throttled at 50 requests/s with default options: every item ok (a 429 holds every batch and narrows the window)', async () => {
  const ids = await freshJobs(150, 'Paused');
  await control('POST', '/throttle', { requestsPerSecond: 50, burst: 50 });
  try {
    const retries = [];
    const r = await settle(() => lib.startSynchronizationJobs(TOKEN, ids.jobs.map((jobId) => ({ servicePrincipalId: ids.sp, jobId })), {
      baseUrl: emulator, onRetry: (i) => retries.push(i),
    }), 30_000);
    const items = resolved(r, 'startSynchronizationJobs', true);
    assert.equal(items.filter((i) => i.ok).length, 150, inspect(items.filter((i) => !i.ok).slice(0, 2)));
    assert.ok(retries.length > 0 && retries.every((i) => i.error.status === 429 && i.delayMs > 0), 'onRetry told of throttled items');
  } finally {
    await control('DELETE', '/throttle');
  }
});
