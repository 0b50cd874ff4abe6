// The wasm compiled for the browser entries, from what init() takes: a URL or string, a Request,
// a Response or a promise of one, the bytes, or a compiled WebAssembly.Module. The entries then
// instantiate it with the wasm-bindgen module's initSync, so that module's own async loader (with
// its deprecated-argument and MIME warnings) is left out of the bundle. assemble.mjs bundles this
// file into browser.js and inline.js.
export async function compile(input) {
  if (input instanceof WebAssembly.Module) return input;
  if (typeof input === 'string' || input instanceof URL || (typeof Request === 'function' && input instanceof Request)) {
    input = fetch(input);
  }
  const r = await input;
  if (typeof Response !== 'function' || !(r instanceof Response)) return WebAssembly.compile(r);
  if (!r.ok) {
    r.body?.cancel().catch(() => {}); // the error page is not wanted: its connection is let go at once
    throw new Error(`failed to fetch the wasm: HTTP ${r.status} ${r.statusText} from ${r.url}`);
  }
  // Compiled while it downloads when served as application/wasm (what compileStreaming
  // requires); from the whole body otherwise (a server or dev proxy with another type).
  const type = r.headers.get('content-type') || '';
  return typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\s*(;|$)/i.test(type)
    ? WebAssembly.compileStreaming(r)
    : WebAssembly.compile(await r.arrayBuffer());
}
