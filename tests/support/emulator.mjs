// Shared by the JS test suites: calls to graph-emulator's control API (see README, "Control API").
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

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

/** A job in state `code` under a service principal of its own: `{ sp, job }`. */
export async function freshJob(base, code = 'Paused') {
  const sp = randomUUID();
  const job = `AppTemplate.${randomUUID().replaceAll('-', '')}`;
  await control(base, 'PUT', `/servicePrincipals/${sp}/jobs/${job}`, { code });
  return { sp, job };
}

/** The job's `status.code` as the emulator serves it to a Graph GET. */
export async function jobState(base, sp, job) {
  const r = await realFetch(`${base}/beta/servicePrincipals/${sp}/synchronization/jobs/${job}`, {
    headers: { authorization: 'Bearer demo-token-readwrite' },
  });
  return (await r.json()).status.code;
}
