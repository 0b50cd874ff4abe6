// The demo page's static server: www/ at /, the built package (pkg/) at /pkg/, and /config.json
// telling the page where the emulator is. Binds 127.0.0.1 only. No dependencies.
//
//   GRAPH_EMULATOR_URL=http://127.0.0.1:PORT node www/serve.mjs      (PORT=0 or unset: a free port)
//
// Env: PORT (default 0), GRAPH_EMULATOR_URL (optional; without it the page defaults to Graph),
// GRAPH_EMULATOR_SEED (default emulator/src/seed.json: the seed ids offered on the page).
// First stdout line: `serving on http://127.0.0.1:PORT`.
import { createServer } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const mounts = [
  ['/pkg/', join(root, 'pkg')],
  ['/', join(root, 'www')],
];
const HOST = '127.0.0.1';
const port = Number(process.env.PORT ?? 0);
const emulatorUrl = process.env.GRAPH_EMULATOR_URL ? new URL(process.env.GRAPH_EMULATOR_URL).origin : null;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ts': 'text/plain; charset=utf-8',
};

const CLOUDS = [
  { url: 'https://graph.microsoft.com', label: 'Microsoft Graph global service' },
  { url: 'https://graph.microsoft.us', label: 'US Government L4 (GCC High)' },
  { url: 'https://dod-graph.microsoft.us', label: 'US Government L5 (DoD)' },
  { url: 'https://microsoftgraph.chinacloudapi.cn', label: 'China (operated by 21Vianet)' },
];

// The emulator's seed: only ids, names and states go to the page.
function seed() {
  if (!emulatorUrl) return null;
  const file = process.env.GRAPH_EMULATOR_SEED || join(root, 'emulator/src/seed.json');
  try {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    return {
      tokens: (data.tokens ?? []).map((t) => ({ token: t.token, scopes: t.scopes })),
      servicePrincipals: (data.servicePrincipals ?? []).map((sp) => ({
        id: sp.id,
        appId: sp.appId,
        displayName: sp.displayName,
        jobs: (sp.jobs ?? []).map((j) => ({ id: j.id, state: j.status?.code })),
      })),
    };
  } catch (e) {
    console.error(`serve.mjs: cannot read the emulator seed ${file}: ${e.message}`);
    return null;
  }
}

const config = JSON.stringify({ emulatorUrl, clouds: CLOUDS, seed: seed() });

// Only this origin, the emulator and the four Graph clouds may be reached; WebAssembly may compile.
const csp = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self'",
  `connect-src 'self' ${[emulatorUrl, ...CLOUDS.map((c) => c.url)].filter(Boolean).join(' ')}`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const common = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': csp,
};

function fail(res, status, text) {
  res.writeHead(status, { ...common, 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

// Maps a URL path to a file under one of the mounts, or null. Refuses anything that could leave
// the mount: encoded or literal `..`, backslashes, NUL, dot-files.
function resolvePath(urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (path.split('/').some((seg) => seg === '..' || seg === '.' || seg.startsWith('.'))) return null;
  if (path === '/') path = '/index.html';
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) continue;
    const file = resolve(dir, `.${path.slice(prefix.length - 1)}`);
    if (file !== dir && !file.startsWith(dir + sep)) return null;
    return file;
  }
  return null;
}

const server = createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return fail(res, 405, 'Method Not Allowed');
  }
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return fail(res, 400, 'Bad Request');
  const urlPath = target.split(/[?#]/, 1)[0];
  if (urlPath === '/config.json') {
    res.writeHead(200, { ...common, 'content-type': MIME['.json'] });
    return res.end(req.method === 'HEAD' ? undefined : config);
  }
  const file = resolvePath(urlPath);
  if (!file) return fail(res, 403, 'Forbidden');
  const type = MIME[extname(file)];
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return fail(res, 404, 'Not Found');
  }
  if (!stat.isFile() || !type) return fail(res, 404, 'Not Found');
  res.writeHead(200, { ...common, 'content-type': type, 'content-length': stat.size });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
});

server.listen(port, HOST, () => {
  console.log(`serving on http://${HOST}:${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
