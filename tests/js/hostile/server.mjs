// A small hostile Graph on 127.0.0.1 for what graph-emulator cannot send: gzip bombs, endless
// bodies, redirects with any Location, invalid UTF-8, the caller's own token echoed back in every
// encoding. The behaviour is chosen by the first path segments, `/m/{mode}`, so a call gets it
// through its baseUrl (`server.base(mode)`), whatever the export and whatever it requests
// (`$batch` included). `mode` is `kind~arg~N`, N an index into `server.locations`.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';

// 1 MiB of gzip that inflates to 1 GiB: 1024 copies of one member, each 1 MiB of zeros
// compressed (about 1 KiB); gzip allows members to follow one another.
let bomb;
function gzipBomb() {
  if (!bomb) {
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
  }
  return bomb;
}

/** Every form a server could echo a token in: raw, JSON \u escapes, percent-encoding, `\/`. */
export function encodings(token) {
  const hex = (c) => c.charCodeAt(0).toString(16).padStart(2, '0');
  return {
    raw: token,
    jsonAll: [...token].map((c) => `\\u00${hex(c)}`).join(''),
    jsonAllUpper: [...token].map((c) => `\\u00${hex(c).toUpperCase()}`).join(''),
    jsonDots: token.replaceAll('.', '\\u002e').replaceAll('/', '\\/'),
    percentAll: [...token].map((c) => `%${hex(c).toUpperCase()}`).join(''),
    percentLower: [...token].map((c) => `%${hex(c)}`).join(''),
    percentSome: encodeURIComponent(token).replaceAll('.', '%2E').replaceAll('-', '%2d'),
    slash: token.replaceAll('/', '\\/'),
  };
}

const JOB = {
  id: 'AppTemplate.00000000000000000000000000000000',
  templateId: 'AppTemplate',
  schedule: { interval: 'PT40M', state: 'Active' },
  status: { code: 'Active', lastExecution: null, quarantine: null },
};

function tokenOf(req) {
  return (req.headers.authorization || '').replace(/^Bearer /, '');
}

/** Starts the server; resolves to { url, requests, seen, close }. */
export async function startHostileServer() {
  const requests = [];
  const locations = [];
  const sockets = new Set();
  const timers = new Set();
  const later = (ms, f) => {
    const t = setTimeout(() => { timers.delete(t); f(); }, ms);
    timers.add(t);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const segs = url.pathname.split('/');
    const mode = segs[1] === 'm' ? decodeURIComponent(segs[2] || '') : '';
    requests.push({ method: req.method, url: req.url, mode, token: tokenOf(req) });
    const q = Object.fromEntries(url.searchParams);
    const [kind, arg, loc] = mode.split('~');
    if (loc !== undefined) q.location = locations[Number(loc)];
    switch (kind) {
      case 'bomb': {
        // Error status, gzip-encoded: the client inflates it while reading.
        res.writeHead(500, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gzipBomb().length });
        res.end(gzipBomb());
        return;
      }
      case 'endless': {
        // Chunked, never ends on its own; stops when the client goes (or after 30 s, a bound for the test).
        const status = Number(arg) || 500;
        res.writeHead(status, { 'content-type': arg === 'text' ? 'text/plain' : 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        res.write('{"error":{"code":"Endless","message":"');
        const t0 = Date.now();
        const pump = () => {
          while (!res.destroyed && Date.now() - t0 < 30_000) {
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.destroy();
        };
        res.on('close', () => {});
        pump();
        return;
      }
      case 'redirect': {
        const status = Number(arg) || 302;
        const location = q.location !== undefined ? q.location : req.url;
        // Location written raw (not through setHeader's checks) so it can be anything.
        res.socket.write(`HTTP/1.1 ${status} Moved\r\nlocation: ${location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
        res.socket.end();
        return;
      }
      case 'rawlocation': {
        // A Location with raw non-UTF-8 bytes.
        res.socket.write(Buffer.concat([
          Buffer.from('HTTP/1.1 302 Found\r\nlocation: https://evil.example/'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from('\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
        ]));
        res.socket.end();
        return;
      }
      case 'badutf8': {
        const status = Number(arg) || 400;
        const body = Buffer.concat([
          Buffer.from('{"error":{"code":"Bad'),
          Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), // invalid bytes, an encoded lone surrogate
          Buffer.from('Code","message":"broken \u00e9 '),
          Buffer.from([0xe2, 0x82]), // cut sequence
          Buffer.from('"}}'),
        ]);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'x-bytes': 'ok' });
        res.end(body);
        return;
      }
      case 'echo': {
        // The caller's token back in every form: in the body (JSON fields, raw text), headers,
        // status text. `arg` is the status; 204 echoes in headers only.
        const token = tokenOf(req);
        const e = encodings(token);
        const status = Number(arg) || 400;
        const headers = {
          'x-echo-raw': token,
          'x-echo-percent': e.percentAll,
          'x-echo-json': e.jsonAll,
          'www-authenticate': `Bearer error="invalid_token", token="${token}"`,
          'request-id': `rid-${token}`,
          'client-request-id': req.headers['client-request-id'] || '',
          'content-type': 'application/json',
        };
        if (status === 204) {
          res.writeHead(204, headers);
          res.end();
          return;
        }
        if (status === 200) {
          // A success body that echoes the token (a job for GET, a page for list).
          const job = { ...JOB, note: token, status: { ...JOB.status, code: 'Active' } };
          const payload = segs.at(-1) === 'jobs' ? { value: [job] } : job;
          res.writeHead(200, headers);
          res.end(JSON.stringify(payload));
          return;
        }
        const raw = `{"error":{"code":"InvalidAuthenticationToken","message":"Token ${token} / ${e.jsonDots} / ${e.slash} was refused",`
          + `"target":"${e.jsonAll}","details":[{"code":"d","message":"${e.jsonAllUpper}","target":"${e.percentAll}"}],`
          + `"innerError":{"date":"2026-01-01T00:00:00","request-id":"rid-${e.jsonDots}","client-request-id":"${e.percentLower}",`
          + `"echo":"${e.percentSome}","innerError":{"code":"deep","message":"${token}"}}}, "raw":"${token}"}`;
        res.writeHead(status, headers);
        res.end(raw);
        return;
      }
      case 'echocut': {
        // The token straddling the 64 KiB cap, then more text.
        const token = tokenOf(req);
        const at = 64 * 1024 - Math.floor(token.length / 2) + (Number(arg) || 0);
        const body = 'x'.repeat(at) + token + 'y'.repeat(1000) + token;
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(body);
        return;
      }
      case 'success-huge': {
        // 200 with a body far over the 4 MiB success cap (64 MiB), chunked.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(256 * 1024, ' ');
        let left = 256;
        res.write('{"value":[');
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            left--;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end(']}');
        };
        pump();
        return;
      }
      case 'hang': {
        // Headers, then nothing: the body never comes (until the client goes, or 30 s).
        res.writeHead(Number(arg) || 500, { 'content-type': 'application/json' });
        res.write('{"error":');
        later(30_000, () => res.destroy());
        return;
      }
      case 'job': {
        // A job (or page) whose JSON holds server-chosen __proto__ keys.
        const body = `{"id":"x.1","__proto__":{"polluted":"job"},"status":{"code":"${q.code || 'Active'}","__proto__":{"polluted":"status"},`
          + `"lastExecution":{"state":"Succeeded","timeBegan":"2026-01-01T00:00:00Z","timeEnded":"2099-01-01T00:00:00Z","__proto__":{"polluted":"exec"}},"quarantine":null},`
          + `"schedule":{"state":"Active","interval":"PT40M"},"constructor":{"prototype":{"polluted":"ctor"}}}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(segs.at(-1) === 'jobs' ? `{"value":[${body},${body}],"__proto__":{"polluted":"page"}}` : body);
        return;
      }
      default: {
        res.writeHead(204);
        res.end();
      }
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    base: (mode) => `${url}/m/${encodeURIComponent(mode)}`,
    /** The mode part that makes a redirect carry `location` verbatim. */
    location: (location) => locations.push(location) - 1,
    requests,
    close: () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
