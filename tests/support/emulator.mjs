// Shared by the JS test suites: calls to graph-emulator's control API (see README, "Control API").
import assert from 'node:assert/strict';

// The platform's fetch as loaded, so a test that stubs globalThis.fetch still reaches the emulator.
const realFetch = globalThis.fetch;

/** `METHOD {base}/_emulator{path}` with an optional JSON body; returns the parsed answer or null. */
export async function control(base, method, path, body) {
  const r = await realFetch(`${base}/_emulator${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(r.status < 300, `control ${method} ${path}: ${r.status}`);
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}
