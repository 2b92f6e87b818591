// IndexedDB: the device's copy of the catalog, its queue of operations and its sales.
// Stores: kv (settings of the device: credential, cursor, counters), catalog (objects of the
// pull, key "<kind>:<id>"), ops (the queue, key op_id, index seq), sales (what was sold here).
const NAME = 'pos-terminal';
const VERSION = 2;

/** @type {Promise<IDBDatabase>|null} */
let opening = null;

/** @returns {Promise<IDBDatabase>} */
export function db() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      // Upgrades only add stores and indexes: the queue of an older version is kept as it is.
      req.onupgradeneeded = () => {
        const d = req.result;
        const upgrade = /** @type {IDBTransaction} */ (req.transaction);
        if (!d.objectStoreNames.contains('kv')) d.createObjectStore('kv');
        if (!d.objectStoreNames.contains('catalog')) d.createObjectStore('catalog');
        if (!d.objectStoreNames.contains('ops')) d.createObjectStore('ops', { keyPath: 'op_id' }).createIndex('seq', 'seq');
        if (!d.objectStoreNames.contains('sales')) d.createObjectStore('sales', { keyPath: 'op_id' }).createIndex('seq', 'seq');
        // v2: count what waits without reading the whole queue.
        const ops = upgrade.objectStore('ops');
        if (!ops.indexNames.contains('state_seq')) ops.createIndex('state_seq', ['state', 'seq']);
      };
      req.onsuccess = () => {
        // A newer version of the app in another tab upgrades the database: let it.
        req.result.onversionchange = () => req.result.close();
        resolve(req.result);
      };
      req.onerror = () => reject(req.error);
    });
    // Ask the browser not to evict the queue under storage pressure.
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  }
  return opening;
}

/** Run `fn` in one transaction; resolves with its result once the transaction is complete
 * (durable), rejects if it aborts.
 * @template T @param {string[]} stores @param {IDBTransactionMode} mode
 * @param {(tx: IDBTransaction) => T|Promise<T>} fn @returns {Promise<T>} */
export async function tx(stores, mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(stores, mode, { durability: 'strict' });
    /** @type {any} */
    let result;
    t.oncomplete = () => resolve(result);
    t.onabort = () => reject(t.error || new Error('transaction aborted'));
    t.onerror = () => {};
    Promise.resolve(fn(t)).then((r) => { result = r; }, (e) => { try { t.abort(); } catch { /* done */ } reject(e); });
  });
}

/** @template T @param {IDBRequest<T>} req @returns {Promise<T>} */
export function req(req) {
  return new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
}

/** Keys of the ops in `state`, in seq order, for the `state_seq` index. @param {string} state */
export const inState = (state) => IDBKeyRange.bound([state, -Infinity], [state, Infinity]);

/** @param {string} key */
export async function get(key) { return tx(['kv'], 'readonly', (t) => req(t.objectStore('kv').get(key))); }
/** @param {string} key @param {any} value */
export async function put(key, value) { return tx(['kv'], 'readwrite', (t) => { t.objectStore('kv').put(value, key); }); }
/** @param {string} key */
export async function del(key) { return tx(['kv'], 'readwrite', (t) => { t.objectStore('kv').delete(key); }); }

/** @param {string} store @returns {Promise<any[]>} */
export async function all(store) { return tx([store], 'readonly', (t) => req(t.objectStore(store).getAll())); }
