// The terminal protocol (docs/sync-protocol.md): pair, pull by cursor, push the queue in gzip
// batches with retries, backoff and jitter. One tab at a time uploads (Web Locks): two tabs never
// send the same operation at once.
import { tx, req, get, put, inState } from './db.js';

export const APP_VERSION = document.documentElement.dataset.version || 'dev';
const BATCH_OPS = 200;

/** Thrown when the server says this terminal is revoked (or its credential unknown). */
export class Revoked extends Error {}

/** @param {string} path @param {RequestInit & {json?: any}} [init] */
async function call(path, init = {}) {
  const credential = await get('credential');
  const headers = new Headers(init.headers || {});
  if (credential) headers.set('Authorization', `Bearer ${credential}`);
  headers.set('X-App-Version', APP_VERSION);
  if (init.json !== undefined) { headers.set('Content-Type', 'application/json'); init.body = JSON.stringify(init.json); }
  const response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
  if (response.status === 401) {
    const body = await response.json().catch(() => ({}));
    if (body.code === 'terminal_revoked' || body.code === 'terminal_credential_invalid') {
      await put('revoked', body.code);
      throw new Revoked(body.message || body.code);
    }
  }
  return response;
}

/** Pair with a code; keeps the credential and the terminal's identity on the device.
 * @param {string} code */
export async function pair(code) {
  const r = await call('/api/v1/sync/pair', { method: 'POST', json: { code, device_name: navigator.userAgent.slice(0, 120), app_version: APP_VERSION } });
  const body = await r.json();
  if (r.status !== 201) throw new Error(body.message || body.code || String(r.status));
  await tx(['kv'], 'readwrite', (t) => {
    const kv = t.objectStore('kv');
    kv.put(body.credential, 'credential');
    kv.put({ id: body.terminal_id, code: body.terminal_code, storefront_id: body.storefront_id, storefront_code: body.storefront_code }, 'terminal');
    kv.delete('revoked');
    kv.delete('cursor');
  });
  return body;
}

/** Pull until there is no more; each page applied with its cursor in one transaction.
 * Resolves true when something changed. */
export async function pull() {
  let changed = false;
  for (;;) {
    const cursor = await get('cursor');
    const params = new URLSearchParams({ limit: '2000' });
    if (cursor) params.set('cursor', cursor);
    const r = await call(`/api/v1/sync/pull?${params}`);
    const body = await r.json();
    if (r.status === 400 && body.code === 'cursor_invalid') { await put('cursor', null); continue; }
    if (!r.ok) throw new Error(body.code || String(r.status));
    await tx(['catalog', 'kv'], 'readwrite', (t) => {
      const store = t.objectStore('catalog');
      if (!cursor) store.clear(); // a full snapshot starts from an empty copy
      for (const [kind, objects] of Object.entries(body.changes)) for (const o of objects) store.put(o, `${kind}:${o.id}`);
      for (const [kind, ids] of Object.entries(body.deleted)) for (const id of ids) store.delete(`${kind}:${id}`);
      t.objectStore('kv').put(body.cursor, 'cursor');
      if (Object.keys(body.changes).length || Object.keys(body.deleted).length) t.objectStore('kv').delete('catalog_image');
      t.objectStore('kv').put(new Date().toISOString(), 'last_pull');
    });
    changed ||= Object.keys(body.changes).length > 0 || Object.keys(body.deleted).length > 0;
    if (!body.has_more) return changed;
  }
}

/** @param {Uint8Array|string} text */
async function gzip(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The batch being uploaded, made and stored before it is sent: after a failure, a reload or
 * a closed page it is sent again as it was (same batch_id, same ops). */
async function currentBatch() {
  const stored = await get('batch');
  if (stored) return stored;
  const ops = await tx(['ops'], 'readonly', (t) => req(t.objectStore('ops').index('state_seq').getAll(inState('queued'), BATCH_OPS)));
  if (!ops.length) return null;
  const batch = { batch_id: crypto.randomUUID(), terminal_time: new Date().toISOString(), ops: ops.map((o) => o.op) };
  await put('batch', batch);
  return batch;
}

/** Write the answers back: applied, duplicate and pending are done; rejected stays for the user. */
async function settle(/** @type {any} */ batch, /** @type {any} */ answer) {
  let conflicts = 0;
  await tx(['ops', 'sales', 'kv'], 'readwrite', async (t) => {
    const ops = t.objectStore('ops');
    const sales = t.objectStore('sales');
    for (const result of answer.results) {
      const row = await req(ops.get(result.op_id));
      if (!row) continue;
      row.state = result.status === 'rejected' ? 'rejected' : 'done';
      row.result = result;
      ops.put(row);
      const sale = await req(sales.get(result.op_id));
      if (sale) {
        if (result.receipt_url) sale.receipt_url = result.receipt_url;
        sale.conflicts = (result.conflicts || []).map((/** @type {any} */ c) => c.kind);
        if (sale.conflicts.length) conflicts++;
        sale.status = result.status;
        if (result.status === 'rejected') sale.message = result.message;
        sales.put(sale);
      }
    }
    const kv = t.objectStore('kv');
    kv.delete('batch');
    kv.put(new Date().toISOString(), 'last_push');
    // The number of this device's sales that came back with conflicts, for the status bar.
    kv.put(((await req(kv.get('conflicts'))) || 0) + conflicts, 'conflicts');
  });
  return conflicts;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Upload the queue. Retries a failed batch as it was, with exponential backoff and jitter
 * (0.5 s, 1 s, 2 s … 30 s; Retry-After on 429); splits it after 413. Resolves when the queue is
 * empty or the attempts run out (`attempts`). */
export async function push({ attempts = 6, onProgress = () => {} } = {}) {
  if (!navigator.locks) return pushUnlocked(attempts, onProgress);
  return navigator.locks.request('pos-push', () => pushUnlocked(attempts, onProgress));
}

/** @param {number} attempts @param {() => void} onProgress */
async function pushUnlocked(attempts, onProgress) {
  let failures = 0;
  for (;;) {
    if (await get('revoked')) throw new Revoked('revoked');
    const batch = await currentBatch();
    if (!batch) return true;
    let response;
    let wait = 0;
    try {
      const body = await gzip(JSON.stringify(batch));
      response = await call('/api/v1/sync/push', { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
    } catch (e) {
      if (e instanceof Revoked) throw e;
      response = null;
    }
    if (response && response.ok) {
      await settle(batch, await response.json());
      failures = 0;
      onProgress();
      continue;
    }
    if (response && response.status === 413 && batch.ops.length > 1) {
      // Split: two new batches of the same ops (ids kept). Mark the second half's ops as queued
      // and send the first half now.
      const half = batch.ops.slice(0, Math.ceil(batch.ops.length / 2));
      await put('batch', { batch_id: crypto.randomUUID(), terminal_time: new Date().toISOString(), ops: half });
      continue;
    }
    if (response && response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408) {
      // 400/422: never accepted as it is; keep the ops, report, stop.
      const problem = await response.json().catch(() => ({}));
      await put('push_error', problem.code || String(response.status));
      return false;
    }
    failures++;
    if (failures >= attempts) return false;
    const retryAfter = response && Number(response.headers.get('Retry-After'));
    const base = Math.min(30_000, 500 * 2 ** (failures - 1));
    wait = retryAfter ? retryAfter * 1000 : base / 2 + Math.random() * base / 2;
    await sleep(wait);
  }
}

/** What the server holds for this terminal. */
export async function status() {
  const r = await call('/api/v1/sync/status');
  return r.ok ? r.json() : null;
}
