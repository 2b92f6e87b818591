// The terminal app: screens (pair, cashier sign-in, sell, pay, receipt, shift) over the local
// copy of the catalog. Durable first: a sale is written to IndexedDB (its transaction complete)
// before the screen says sold; uploading happens later, whenever there is a connection.
import { Dec, ZERO, sum } from './decimal.js';
import { tx, req, get, put, all, inState } from './db.js';
import { t, toggleLanguage, language } from './i18n.js';
import { planPayments, priceSale } from './pricing.js';
import * as sync from './sync.js';

const PIN_TRIES = 5;
const PIN_LOCK_MS = 5 * 60 * 1000;
// The roles that may void or refund (docs/permissions.md, sync.envelope.OP_ACTIONS: `sale.void`,
// `sale.refund`); the server judges the op's `cashier_id` at `occurred_at` by the same table.
const MAY = { void: ['owner', 'admin', 'manager'], refund: ['owner', 'admin', 'manager'] };
const RECENT_SALES = 30;
const root = /** @type {HTMLElement} */ (document.getElementById('app'));

/** @type {any} */
const state = {
  terminal: null, cashier: null, screen: 'loading', cart: [], payments: [], query: '',
  receipt: null, favourites: new Set(), shift: null, online: navigator.onLine, syncing: false,
  catalog: { products: [], byId: new Map(), prices: new Map(), rates: new Map(), methods: [], cashiers: [], settings: null, stock: new Map() },
  pending: 0, lastSync: null, conflicts: 0, revoked: false, update: null, message: '',
  recent: [], detail: null, action: null,
};

// ------------------------------------------------------------------------------------------
// DOM helpers (no innerHTML: names and codes come from the server)
// ------------------------------------------------------------------------------------------

/** @param {string} tag @param {Record<string, any>|null} [attrs] @param {...any} children */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** @param {Dec|string} amount */
function money(amount) {
  const minor = state.catalog.settings?.minor_unit ?? 2;
  const v = Dec.of(amount).toFixed(minor);
  const [i, f] = v.split('.');
  const sep = language() === 'fr' ? ',' : '.';
  const grouped = i.replace(/\B(?=(\d{3})+(?!\d))/g, language() === 'fr' ? '\u202f' : ',');
  return `${state.catalog.settings?.currency || ''} ${grouped}${f ? sep + f : ''}`.trim();
}

/** One formatter per language, region, zone and style: a list of sales formats every row.
 * @type {Map<string, Intl.DateTimeFormat>} */
const formats = new Map();

/** A moment in the shop's time zone, written as people of the shop's country write it
 * (en-GH: "4 Dec 2026, 14:05"); `time` alone for the time of day.
 * @param {string|number} iso @param {boolean} [time] */
function when(iso, time) {
  const s = state.catalog.settings || {};
  const region = /^[A-Z]{2}$/.test(s.region || '') ? `-${s.region}` : '';
  const key = `${language()}${region}|${s.timezone || ''}|${time ? 't' : 'dt'}`;
  let format = formats.get(key);
  if (!format) {
    /** @type {Intl.DateTimeFormatOptions} */
    const options = time ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' };
    try {
      format = new Intl.DateTimeFormat(`${language()}${region}`, { ...options, timeZone: s.timezone || undefined });
    } catch {
      format = new Intl.DateTimeFormat(language(), options); // a zone this browser does not know
    }
    formats.set(key, format);
  }
  return format.format(new Date(iso));
}

/** A tax rate as a person writes it: 2.5000 -> 2.5, 15.0000 -> 15. @param {string} rate */
function percent(rate) {
  const s = String(rate);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

// ------------------------------------------------------------------------------------------
// The local catalog
// ------------------------------------------------------------------------------------------

/** The catalog as [kind, object] rows: from one record (an image of the store, rebuilt after
 * each pull that changed something), which loads far faster than thousands of records. */
async function catalogRows() {
  const image = await get('catalog_image');
  if (image) return image;
  const rows = await tx(['catalog'], 'readonly', async (tr) => {
    const store = tr.objectStore('catalog');
    const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())]);
    return keys.map((k, i) => [String(k).split(':')[0], values[i]]);
  });
  await put('catalog_image', rows);
  return rows;
}

async function loadCatalog() {
  const rows = await catalogRows();
  const c = { products: [], byId: new Map(), prices: new Map(), rates: new Map(), methods: [], cashiers: [], settings: null, stock: new Map() };
  for (const [kind, o] of rows) {
    if (kind === 'products' && o.active) { c.products.push(o); c.byId.set(o.id, o); }
    else if (kind === 'prices') { const l = c.prices.get(o.product_id) || []; l.push(o); c.prices.set(o.product_id, l); }
    else if (kind === 'tax_rates') { const l = c.rates.get(o.category_id) || []; l.push(o); c.rates.set(o.category_id, l); }
    else if (kind === 'payment_methods' && o.active) c.methods.push(o);
    else if (kind === 'cashiers') c.cashiers.push(o);
    else if (kind === 'settings') c.settings = o;
    else if (kind === 'stock_levels') c.stock.set(o.id, o.quantity);
  }
  const collator = new Intl.Collator(language());
  c.products.sort((a, b) => collator.compare(a.name, b.name));
  for (const p of c.products) p._search = `${p.name} ${p.sku} ${p.barcode}`.toLowerCase();
  state.catalog = c;
}

/** The price in force at `at`: the storefront's row if its price is not null, else the base row.
 * @param {string} productId @param {Date} at */
function priceOf(productId, at) {
  const rows = (state.catalog.prices.get(productId) || []).filter((/** @type {any} */ p) => new Date(p.effective_from) <= at);
  const latest = (/** @type {any[]} */ l) => l.sort((a, b) => Date.parse(b.effective_from) - Date.parse(a.effective_from))[0];
  const own = latest(rows.filter((/** @type {any} */ p) => p.storefront_id === state.terminal?.storefront_id));
  if (own && own.price !== null) return own.price;
  const base = latest(rows.filter((/** @type {any} */ p) => p.storefront_id === null));
  return base ? base.price : null;
}

/** @param {Date} at */
function ratesAt(at) {
  /** @type {Record<string, any[]>} */
  const out = {};
  for (const [cat, list] of state.catalog.rates) {
    out[cat] = list.filter((/** @type {any} */ r) => new Date(r.effective_from) <= at && (!r.effective_to || new Date(r.effective_to) > at));
  }
  return out;
}

/** @param {any} product */
function stockBadge(product) {
  if (!product.track_stock || !state.catalog.stock.has(product.id)) return null;
  const level = Dec.of(state.catalog.stock.get(product.id));
  if (level.cmp(ZERO) <= 0) return h('span', { class: 'badge out' }, t('out'));
  if (level.cmp(Dec.of(product.reorder_level || '0')) <= 0) return h('span', { class: 'badge low' }, t('low'));
  return null;
}

/** The sale in progress at the prices in force now (the server prices it at its time). */
function repriceCart() {
  for (const line of state.cart) {
    const price = priceOf(line.product_id, new Date());
    if (price !== null) line.unit_price = price;
  }
}

function cartTotals() {
  const at = new Date();
  return priceSale({
    lines: state.cart.map((/** @type {any} */ l) => ({ unit_price: l.unit_price, quantity: l.quantity || '0', discount: l.discount || '0', tax_category: l.tax_category })),
    rates: ratesAt(at),
    prices_include_tax: !!state.catalog.settings?.prices_include_tax,
    minor_unit: state.catalog.settings?.minor_unit ?? 2,
  });
}

// ------------------------------------------------------------------------------------------
// Recording: one transaction takes the next receipt counter and seq and writes the op and the
// sale; the number exists only if the sale does, and is never handed out twice (two tabs'
// transactions on the same store run one after the other).
// ------------------------------------------------------------------------------------------

/** `change` runs in the same transaction (e.g. marks the sale voided; throwing aborts it all).
 * @param {string} kind @param {(numbers: {seq: number, counter: number}) => any} makeData @param {any} [sale]
 * @param {(sales: IDBObjectStore, op: any) => Promise<void>} [change] */
async function record(kind, makeData, sale, change) {
  return tx(['kv', 'ops', 'sales'], 'readwrite', async (tr) => {
    const kv = tr.objectStore('kv');
    const seq = ((await req(kv.get('seq'))) || 0) + 1;
    const counter = ((await req(kv.get('receipt_counter'))) || 0) + (kind === 'sale' ? 1 : 0);
    kv.put(seq, 'seq');
    kv.put(counter, 'receipt_counter');
    const opId = crypto.randomUUID();
    const data = makeData({ seq, counter });
    const op = { op_id: opId, kind, seq, occurred_at: new Date().toISOString(), data };
    tr.objectStore('ops').put({ op_id: opId, seq, state: 'queued', op });
    if (sale) tr.objectStore('sales').put({ ...sale(data), op_id: opId, seq, occurred_at: op.occurred_at, status: 'queued' });
    if (change) await change(tr.objectStore('sales'), op);
    return op;
  });
}

async function completeSale() {
  const totals = cartTotals();
  const plan = planPayments(state.payments.map((/** @type {any} */ p) => ({ kind: p.kind, amount: p.amount || '0' })), totals.total);
  if (plan.problem) { state.message = t(plan.problem); return render(); }
  const term = state.terminal;
  const cart = state.cart;
  const payments = state.payments;
  const op = await record('sale', ({ counter }) => ({
    receipt_number: `${term.storefront_code}-${term.code}-${String(counter).padStart(6, '0')}`,
    cashier_id: state.cashier.id,
    ...(state.shift ? { shift_id: state.shift.id } : {}),
    lines: cart.map((/** @type {any} */ l) => ({ product_id: l.product_id, quantity: l.quantity, unit_price: l.unit_price, ...(l.discount && l.discount !== '0' ? { discount: l.discount } : {}) })),
    payments: payments.map((/** @type {any} */ p) => ({
      method: p.method, amount: Dec.of(p.amount).toFixed(),
      ...(p.kind === 'mobile_money' ? { provider: p.provider, reference: p.reference } : {}),
      ...(p.kind === 'card' ? { card_last4: p.card_last4, auth_code: p.auth_code } : {}),
    })),
    totals: { subtotal: totals.subtotal.toFixed(), discount_total: totals.discount_total.toFixed(), tax_total: totals.tax_total.toFixed(), total: totals.total.toFixed() },
  }), (/** @type {any} */ data) => ({
    receipt_number: data.receipt_number, cashier: state.cashier.name,
    lines: cart.map((/** @type {any} */ l, i) => ({ name: l.name, quantity: l.quantity, unit_price: l.unit_price, discount: l.discount || '0', total: totals.lines[i].total.toFixed() })),
    taxes: totals.taxes.map((x) => ({ code: x.code, name: x.name, rate: x.rate.toFixed(), amount: x.amount.toFixed() })),
    subtotal: totals.subtotal.toFixed(), discount_total: totals.discount_total.toFixed(), tax_total: totals.tax_total.toFixed(), total: totals.total.toFixed(),
    payments: payments.map((/** @type {any} */ p, i) => ({ kind: p.kind, method: p.method, amount: Dec.of(p.amount).toFixed(), applied: plan.rows[i].amount.toFixed() })),
    change: plan.change.toFixed(),
  }));
  // Durable: only now does the screen say sold.
  state.receipt = await tx(['sales'], 'readonly', (tr) => req(tr.objectStore('sales').get(op.op_id)));
  state.cart = []; state.payments = []; state.message = '';
  state.screen = 'receipt';
  state.pending++;
  render();
  syncSoon();
}

// ------------------------------------------------------------------------------------------
// Sync loop
// ------------------------------------------------------------------------------------------

let syncTimer = 0;
function syncSoon(delay = 300) { clearTimeout(syncTimer); syncTimer = window.setTimeout(syncNow, delay); }

async function countPending() {
  const [pendingOps, conflicts, lastPush, lastPull] = await tx(['ops', 'kv'], 'readonly', (tr) => Promise.all([
    req(tr.objectStore('ops').index('state_seq').count(inState('queued'))),
    req(tr.objectStore('kv').get('conflicts')),
    req(tr.objectStore('kv').get('last_push')),
    req(tr.objectStore('kv').get('last_pull')),
  ]));
  state.pending = pendingOps;
  state.conflicts = conflicts || 0;
  state.lastSync = lastPush || lastPull;
}

async function syncNow() {
  if (state.syncing || state.revoked || !state.terminal) return;
  state.syncing = true;
  let changed = false;
  try {
    await sync.push({ attempts: 4, onProgress: () => { countPending().then(renderStatus); } });
    changed = await sync.pull();
    state.online = true;
    if (changed) await loadCatalog();
    if (state.receipt) state.receipt = await saleOf(state.receipt.op_id);
    if (state.detail) state.detail = await saleOf(state.detail.op_id);
  } catch (e) {
    if (e instanceof sync.Revoked) { state.revoked = true; }
    else state.online = false;
  } finally {
    state.syncing = false;
    await countPending();
    if (state.screen === 'receipt' || state.screen === 'menu' || (state.screen === 'sale' && !state.action) || state.revoked) render();
    else if (state.screen === 'sell' && changed) { repriceCart(); render(); } // e.g. a price change
    else if (state.screen === 'signin' && changed) { updatePinHint(); renderStatus(); } // e.g. a new PIN
    else renderStatus();
    clearTimeout(syncTimer);
    syncTimer = window.setTimeout(syncNow, state.pending ? 5000 : 30000);
  }
}

// ------------------------------------------------------------------------------------------
// Screens
// ------------------------------------------------------------------------------------------

function statusBar() {
  const last = state.lastSync ? when(state.lastSync, true) : t('never');
  return h('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'status' },
    h('span', { class: state.online ? 'dot on' : 'dot off', 'data-online': state.online ? '1' : '0' }, state.online ? t('online') : t('offline')),
    h('span', { 'data-pending': state.pending }, t('pending', { n: state.pending })),
    h('span', null, t('last_sync', { when: last })),
    state.conflicts ? h('span', { class: 'warn' }, t('conflicts', { n: state.conflicts })) : null,
  );
}

function renderStatus() {
  const old = document.getElementById('status');
  if (old) old.replaceWith(statusBar());
}

function updateBanner() {
  if (!state.update) return null;
  const busy = state.cart.length > 0 || state.screen === 'pay';
  return h('div', { class: 'banner' }, t('update_ready'), ' ',
    h('button', { type: 'button', disabled: busy, onclick: () => applyUpdate() }, t('update_now')));
}

function header(title) {
  return h('header', { class: 'top' },
    h('h1', null, title),
    state.cashier ? h('button', { type: 'button', class: 'link', onclick: () => { state.screen = 'menu'; render(); } }, t('menu')) : null,
    h('button', { type: 'button', class: 'link', lang: language() === 'fr' ? 'en' : 'fr', onclick: () => { toggleLanguage(); document.documentElement.lang = language(); render(); } }, t('language')));
}

function pairScreen() {
  const code = h('input', { id: 'pair-code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', required: true, value: state.pairCode || '' });
  const form = h('form', { class: 'card', onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    state.message = t('pairing'); render();
    try {
      await sync.pair(/** @type {HTMLInputElement} */ (code).value);
      state.terminal = await get('terminal');
      state.revoked = false;
      await sync.pull();
      await loadCatalog();
      await countPending();
      state.message = ''; state.screen = 'signin';
      history.replaceState(null, '', location.pathname);
    } catch (err) {
      state.message = navigator.onLine ? t('pair_failed', { message: /** @type {Error} */ (err).message }) : t('pair_offline');
    }
    render();
  } },
  h('p', null, t('pair_help')),
  h('label', { for: 'pair-code' }, t('pair_code')), code,
  h('button', { type: 'submit', class: 'primary' }, t('pair')));
  return [header(t('pair_title')), h('main', null, form)];
}

/** The people who may sign in at this till, from the catalogue as it is now. */
function tillCashiers() {
  const sf = state.terminal?.storefront_id;
  return state.catalog.cashiers.filter((/** @type {any} */ c) => c.active && (c.storefront_id === null || c.storefront_id === sf));
}

function signinScreen() {
  const cashiers = tillCashiers();
  if (!cashiers.length) return [header(t('signin_title')), statusBar(), h('main', null, h('p', { class: 'card' }, t('no_cashiers')), revokedPanel())];
  const hint = h('div', { id: 'pin-hint', 'aria-live': 'polite' });
  const select = h('select', { id: 'cashier', name: 'cashier', 'aria-describedby': 'pin-hint', onchange: (/** @type {Event} */ e) => { state.chosen = /** @type {HTMLSelectElement} */ (e.target).value; updatePinHint(); } },
    cashiers.map((/** @type {any} */ c) => h('option', { value: c.id, selected: c.id === state.chosen }, c.name)));
  hint.replaceChildren(...pinHint(/** @type {HTMLSelectElement} */ (select).value));
  const pin = h('input', { id: 'pin', name: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', required: true, pattern: '[0-9]*' });
  const form = h('form', { class: 'card', onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    state.chosen = /** @type {HTMLSelectElement} */ (select).value;
    // From the catalogue as it is now: a pull since the screen was drawn may have brought a PIN.
    const cashier = tillCashiers().find((/** @type {any} */ c) => c.id === state.chosen);
    state.message = cashier ? await signIn(cashier, /** @type {HTMLInputElement} */ (pin).value) : '';
    render();
  } },
  h('label', { for: 'cashier' }, t('cashier')), select, hint,
  h('label', { for: 'pin' }, t('pin')), pin,
  h('button', { type: 'submit', class: 'primary' }, t('sign_in')));
  return [header(t('signin_title')), statusBar(), h('main', null, form, revokedPanel())];
}

/** For a cashier without a PIN, where to set one: their account page in the shop's back office
 * (the next pull brings the new verifier). @param {string} cashierId */
function pinHint(cashierId) {
  const cashier = tillCashiers().find((/** @type {any} */ c) => c.id === cashierId);
  if (!cashier || cashier.pin) return [];
  const address = `${location.origin}/portal/account`;
  return [h('p', { class: 'hint', id: 'no-pin' }, t('no_pin_where'), ' ', h('a', { href: `${address}#till-pin`, rel: 'noopener' }, address))];
}

/** The sign-in screen after a pull, without losing what is being typed. */
function updatePinHint() {
  const select = /** @type {HTMLSelectElement|null} */ (document.getElementById('cashier'));
  const hint = document.getElementById('pin-hint');
  if (select && hint) hint.replaceChildren(...pinHint(select.value));
}

/** Offline sign-in: PBKDF2 of the PIN typed, compared with the verifier from the pull; five
 * wrong PINs lock that cashier on this device for a while (kept across reloads).
 * @param {any} cashier @param {string} pin @returns {Promise<string>} */
async function signIn(cashier, pin) {
  const problem = await checkPin(cashier, pin);
  if (problem) return problem;
  state.cashier = cashier;
  sessionStorage.setItem('pos-cashier', cashier.id);
  state.screen = 'sell';
  return '';
}

/** The PIN against the person's pulled verifier, with the lockout; '' when right, else why not.
 * @param {any} cashier @param {string} pin @returns {Promise<string>} */
async function checkPin(cashier, pin) {
  if (!cashier.pin) return t('no_pin');
  const key = `pinfail:${cashier.id}`;
  const fails = (await get(key)) || { count: 0, until: 0 };
  if (fails.until > Date.now()) return t('locked', { minutes: Math.ceil((fails.until - Date.now()) / 60000) });
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const salt = Uint8Array.from(atob(cashier.pin.salt), (ch) => ch.charCodeAt(0));
  const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: cashier.pin.iterations }, material, 256));
  const expected = Uint8Array.from(atob(cashier.pin.verifier), (ch) => ch.charCodeAt(0));
  let diff = bits.length ^ expected.length;
  for (let i = 0; i < bits.length; i++) diff |= bits[i] ^ (expected[i] ?? 0);
  if (diff !== 0) {
    fails.count += 1;
    if (fails.count >= PIN_TRIES) { fails.count = 0; fails.until = Date.now() + PIN_LOCK_MS; }
    await put(key, fails);
    return fails.until > Date.now() ? t('locked', { minutes: Math.ceil(PIN_LOCK_MS / 60000) }) : t('wrong_pin', { left: PIN_TRIES - fails.count });
  }
  await put(key, { count: 0, until: 0 });
  return '';
}

/** @param {any} product */
function addToCart(product) {
  const price = priceOf(product.id, new Date());
  if (price === null) return;
  const same = state.cart.find((/** @type {any} */ l) => l.product_id === product.id && !l.discount);
  if (same) same.quantity = Dec.of(same.quantity).add(Dec.of('1')).toFixed();
  else state.cart.push({ product_id: product.id, name: product.name, unit_price: price, quantity: '1', discount: '', tax_category: product.tax_category_id });
  render();
}

function productTile(/** @type {any} */ p) {
  const fav = state.favourites.has(p.id);
  const price = priceOf(p.id, new Date());
  return h('li', { class: 'tile' },
    h('button', { type: 'button', class: 'add', 'data-sku': p.sku, onclick: () => addToCart(p), disabled: price === null },
      h('span', { class: 'name' }, p.name), h('span', { class: 'sku' }, p.sku),
      h('span', { class: 'price' }, price === null ? '—' : money(price)), stockBadge(p)),
    h('button', { type: 'button', class: fav ? 'fav on' : 'fav', 'aria-pressed': fav ? 'true' : 'false', 'aria-label': `${t('favourites')}: ${p.name}`,
      onclick: async () => { fav ? state.favourites.delete(p.id) : state.favourites.add(p.id); await put('favourites', [...state.favourites]); render(); } }, '★'));
}

function sellScreen() {
  const q = state.query.trim().toLowerCase();
  const list = q
    ? state.catalog.products.filter((/** @type {any} */ p) => p._search.includes(q)).slice(0, 40)
    : (state.favourites.size ? state.catalog.products.filter((/** @type {any} */ p) => state.favourites.has(p.id)) : state.catalog.products.slice(0, 24));
  const search = h('input', { id: 'search', type: 'search', value: state.query, 'aria-label': t('search'), placeholder: t('search'),
    oninput: (/** @type {Event} */ e) => { state.query = /** @type {HTMLInputElement} */ (e.target).value; renderProducts(); } });
  let totals = null;
  try { totals = state.cart.length ? cartTotals() : null; } catch { totals = null; }
  const cart = h('section', { class: 'cart', 'aria-label': t('cart') },
    h('h2', null, t('cart')),
    state.cart.length ? h('ul', null, state.cart.map((/** @type {any} */ l, i) => h('li', { class: 'line' },
      h('span', { class: 'name' }, l.name),
      h('label', null, t('qty'), ' ', h('input', { class: 'qty', inputmode: 'decimal', value: l.quantity, 'aria-label': `${t('qty')} ${l.name}`,
        onchange: (/** @type {Event} */ e) => { const v = /** @type {HTMLInputElement} */ (e.target).value.replace(',', '.'); if (/^\d+(\.\d{1,3})?$/.test(v) && Number(v) > 0) l.quantity = v; render(); } })),
      h('label', null, t('discount'), ' ', h('input', { class: 'discount', inputmode: 'decimal', value: l.discount, 'aria-label': `${t('discount')} ${l.name}`,
        onchange: (/** @type {Event} */ e) => { const v = /** @type {HTMLInputElement} */ (e.target).value.replace(',', '.'); l.discount = /^\d+(\.\d{1,2})?$/.test(v) ? v : ''; render(); } })),
      h('span', { class: 'amount' }, totals ? money(totals.lines[i].total) : '!'),
      h('button', { type: 'button', class: 'link', 'aria-label': `${t('remove')} ${l.name}`, onclick: () => { state.cart.splice(i, 1); render(); } }, '✕'))))
      : h('p', null, t('empty_cart')),
    totals ? h('dl', { class: 'totals' }, h('dt', null, t('tax')), h('dd', null, money(totals.tax_total)), h('dt', null, t('total')), h('dd', { id: 'cart-total' }, money(totals.total))) : null,
    h('button', { type: 'button', class: 'primary', id: 'pay', disabled: !totals, onclick: () => { state.screen = 'pay'; state.payments = [newPayment('cash', totals ? totals.total.toFixed() : '0')]; render(); } }, t('pay')));
  return [header(state.cashier.name), statusBar(), updateBanner(),
    h('main', { class: 'sell' },
      h('section', { class: 'products', 'aria-label': t('search') }, search,
        h('h2', { class: 'sr' }, q ? t('search') : t('favourites')),
        h('ul', { class: 'grid', id: 'products' }, list.length ? list.map(productTile) : h('li', null, t('no_results')))),
      cart)];
}

function renderProducts() {
  const grid = document.getElementById('products');
  if (!grid) return;
  const q = state.query.trim().toLowerCase();
  const list = q ? state.catalog.products.filter((/** @type {any} */ p) => p._search.includes(q)).slice(0, 40) : state.catalog.products.slice(0, 24);
  grid.replaceChildren(...(list.length ? list.map(productTile) : [h('li', null, t('no_results'))]));
}

/** @param {string} kind @param {string} amount */
function newPayment(kind, amount) {
  const method = state.catalog.methods.find((/** @type {any} */ m) => m.kind === kind) || { code: kind };
  return { kind, method: method.code, amount, provider: '', reference: '', card_last4: '', auth_code: '' };
}

function payScreen() {
  const totals = cartTotals();
  const plan = planPayments(state.payments.map((/** @type {any} */ p) => ({ kind: p.kind, amount: /^\d+(\.\d+)?$/.test(p.amount) ? p.amount : '0' })), totals.total);
  const paid = sum(state.payments.map((/** @type {any} */ p) => Dec.of(/^\d+(\.\d+)?$/.test(p.amount) ? p.amount : '0')));
  const kinds = [...new Set(state.catalog.methods.map((/** @type {any} */ m) => m.kind))];
  const field = (/** @type {any} */ p, /** @type {string} */ name, /** @type {number} */ i, /** @type {string} */ mode) => h('label', null, t(name), ' ',
    h('input', { name: `${name}-${i}`, inputmode: mode, value: p[name], onchange: (/** @type {Event} */ e) => { p[name] = /** @type {HTMLInputElement} */ (e.target).value.replace(',', '.').trim(); render(); } }));
  const form = h('form', { class: 'card', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); completeSale(); } },
    h('dl', { class: 'totals' }, h('dt', null, t('due')), h('dd', { id: 'due' }, money(totals.total)),
      h('dt', null, t('paid')), h('dd', null, money(paid)),
      h('dt', null, t('change')), h('dd', { id: 'change' }, money(plan.change))),
    state.payments.map((/** @type {any} */ p, i) => h('fieldset', { class: 'payment' },
      h('legend', null, `${t('payment')} ${i + 1}`),
      h('label', null, t('payment'), ' ', h('select', { name: `kind-${i}`, onchange: (/** @type {Event} */ e) => { const k = /** @type {HTMLSelectElement} */ (e.target).value; Object.assign(p, newPayment(k, p.amount)); render(); } },
        kinds.map((k) => h('option', { value: k, selected: k === p.kind }, t(k))))),
      field(p, 'amount', i, 'decimal'),
      p.kind === 'mobile_money' ? [field(p, 'provider', i, 'text'), field(p, 'reference', i, 'text')] : null,
      p.kind === 'card' ? [field(p, 'card_last4', i, 'numeric'), field(p, 'auth_code', i, 'text')] : null,
      state.payments.length > 1 ? h('button', { type: 'button', class: 'link', onclick: () => { state.payments.splice(i, 1); render(); } }, t('remove')) : null)),
    h('button', { type: 'button', id: 'add-payment', onclick: () => { const left = totals.total.sub(paid); state.payments.push(newPayment('cash', left.cmp(ZERO) > 0 ? left.toFixed() : '0')); render(); } }, t('add_payment')),
    state.message ? h('p', { class: 'error', role: 'alert' }, state.message) : null,
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => { state.screen = 'sell'; state.message = ''; render(); } }, t('back')),
      h('button', { type: 'submit', class: 'primary', id: 'complete' }, t('complete'))));
  return [header(t('pay')), statusBar(), h('main', null, form)];
}

function receiptView(/** @type {any} */ r) {
  return h('article', { class: 'receipt', id: 'receipt', 'aria-label': t('receipt') },
    h('h2', null, state.terminal?.storefront_code || ''),
    state.catalog.settings?.receipt_header ? h('p', { class: 'receipt-text', id: 'receipt-header' }, state.catalog.settings.receipt_header) : null,
    h('p', { class: 'number', id: 'receipt-number' }, r.receipt_number),
    r.voided ? h('p', { class: 'stamp', id: 'voided' }, t('voided_by', { name: r.voided.by, when: when(r.voided.occurred_at) })) : null,
    h('p', { id: 'receipt-when' }, when(r.occurred_at), ' · ', r.cashier),
    h('table', null, h('tbody', null, r.lines.map((/** @type {any} */ l) => h('tr', null,
      h('td', null, `${l.quantity} × ${l.name}`), h('td', { class: 'num' }, money(l.total)))))),
    h('dl', { class: 'totals' },
      h('dt', null, t('subtotal')), h('dd', null, money(r.subtotal)),
      Dec.of(r.discount_total).cmp(ZERO) !== 0 ? [h('dt', null, t('discount')), h('dd', null, money(r.discount_total))] : null,
      r.taxes.filter((/** @type {any} */ x) => Dec.of(x.amount).cmp(ZERO)).map((/** @type {any} */ x) => [h('dt', null, `${x.name} ${percent(x.rate)}%`), h('dd', null, money(x.amount))]),
      h('dt', null, t('total')), h('dd', { id: 'receipt-total' }, money(r.total)),
      r.payments.map((/** @type {any} */ p) => [h('dt', null, t(p.kind)), h('dd', null, money(p.amount))]),
      (r.refunds || []).map((/** @type {any} */ f) => [h('dt', null, t('refunded_on', { when: when(f.occurred_at) })), h('dd', null, f.lines.map((/** @type {any} */ l) => `${l.quantity} × ${r.lines[l.line].name}`).join(', '))]),
      h('dt', null, t('change')), h('dd', { id: 'receipt-change' }, money(r.change))),
    r.receipt_url
      ? h('p', { class: 'link-qr' }, h('a', { href: r.receipt_url, id: 'receipt-link' }, t('receipt_link')),
          h('img', { src: `${new URL(r.receipt_url).pathname}/qr.svg`, alt: `${t('receipt_link')} QR`, width: 140, height: 140 }))
      : h('p', { class: 'muted' }, t('receipt_pending')),
    state.catalog.settings?.receipt_footer ? h('p', { class: 'receipt-text', id: 'receipt-footer' }, state.catalog.settings.receipt_footer) : null);
}

function receiptScreen() {
  const r = state.receipt;
  return [header(t('sold')), statusBar(), updateBanner(), h('main', null,
    receiptView(r),
    h('div', { class: 'row no-print' },
      h('button', { type: 'button', onclick: () => { document.body.dataset.paper = '58'; window.print(); } }, `${t('print')} ${t('print58')}`),
      h('button', { type: 'button', onclick: () => { document.body.dataset.paper = '80'; window.print(); } }, `${t('print')} ${t('print80')}`),
      h('button', { type: 'button', class: 'primary', id: 'new-sale', onclick: () => { state.receipt = null; state.screen = 'sell'; render(); } }, t('new_sale'))))];
}

function revokedPanel() {
  if (!state.revoked) return null;
  const panel = h('section', { class: 'card revoked', role: 'alert' }, h('p', null, t('revoked')),
    h('button', { type: 'button', id: 'export', onclick: exportUnsent }, t('export')),
    h('h2', null, t('unsent')), h('ul', { id: 'unsent' }));
  all('ops').then((ops) => {
    const list = panel.querySelector('#unsent');
    for (const o of ops.filter((x) => x.state !== 'done')) list?.append(h('li', null, `${o.op.kind} ${o.op.data.receipt_number || ''} ${o.op.occurred_at}`));
  });
  return panel;
}

async function exportUnsent() {
  const ops = (await all('ops')).filter((o) => o.state !== 'done').map((o) => o.op);
  const blob = new Blob([JSON.stringify({ terminal: state.terminal, exported_at: new Date().toISOString(), ops }, null, 1)], { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `unsent-${state.terminal?.code || 'terminal'}.json` });
  document.body.append(a); a.click(); a.remove();
}

function menuScreen() {
  const shift = state.shift;
  const amount = (/** @type {string} */ id, /** @type {string} */ label) => [h('label', { for: id }, label), h('input', { id, name: id, inputmode: 'decimal', required: true })];
  const val = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).value.replace(',', '.').trim();
  const valid = (/** @type {string} */ v) => /^\d+(\.\d{1,2})?$/.test(v);
  const shiftPanel = shift
    ? h('section', { class: 'card' }, h('h2', null, t('shift_open', { when: when(shift.opened_at, true) })),
      h('form', { onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        const direction = /** @type {HTMLSelectElement} */ (document.getElementById('direction')).value;
        if (!valid(val('movement'))) return;
        await record('cash_movement', () => ({ cashier_id: state.cashier.id, shift_id: shift.id, direction, amount: val('movement'), reason: val('movement-reason') || direction }));
        render(); syncSoon();
      } },
      h('label', { for: 'direction' }, t('cash_in_out')), h('select', { id: 'direction' }, h('option', { value: 'in' }, t('cash_in')), h('option', { value: 'out' }, t('cash_out'))),
      amount('movement', t('amount')), h('label', { for: 'movement-reason' }, t('reason')), h('input', { id: 'movement-reason' }),
      h('button', { type: 'submit' }, t('save'))),
      h('form', { onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        /** @type {Record<string, string>} */
        const counted = {};
        for (const m of state.catalog.methods) { const v = val(`counted-${m.code}`); if (valid(v)) counted[m.code] = v; }
        await record('shift_close', () => ({ cashier_id: state.cashier.id, shift_id: shift.id, counted }));
        state.shift = null; await put('shift', null); render(); syncSoon();
      } },
      h('h3', null, t('count_to_close')),
      state.catalog.methods.map((/** @type {any} */ m) => amount(`counted-${m.code}`, t('counted', { method: m.name }))),
      h('button', { type: 'submit', id: 'close-shift' }, t('close_shift'))))
    : h('form', { class: 'card', onsubmit: async (/** @type {Event} */ e) => {
      e.preventDefault();
      if (!valid(val('float'))) return;
      const id = crypto.randomUUID();
      await record('shift_open', () => ({ cashier_id: state.cashier.id, shift_id: id, opening_float: val('float') }));
      state.shift = { id, opened_at: new Date().toISOString() };
      await put('shift', state.shift); render(); syncSoon();
    } }, h('h2', null, t('no_shift')), amount('float', t('float')), h('button', { type: 'submit', id: 'open-shift' }, t('open_shift')));
  return [header(t('menu')), statusBar(), updateBanner(), h('main', null,
    shiftPanel,
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'sync-now', onclick: () => syncNow() }, t('sync_now')),
      h('button', { type: 'button', id: 'recent-sales', onclick: () => openSales() }, t('sales_today')),
      h('button', { type: 'button', onclick: () => { state.cashier = null; sessionStorage.removeItem('pos-cashier'); state.screen = 'signin'; render(); } }, t('sign_out')),
      h('button', { type: 'button', class: 'primary', onclick: () => { state.screen = 'sell'; repriceCart(); render(); } }, t('back'))),
    revokedPanel())];
}

function render() {
  document.title = `${t('title')} · ${state.terminal?.storefront_code || ''}`;
  /** @type {Record<string, () => any>} */
  const screens = { pair: pairScreen, signin: signinScreen, sell: sellScreen, pay: payScreen, receipt: receiptScreen, menu: menuScreen, sales: salesScreen, sale: saleScreen,
    loading: () => [header(t('title')), h('main', null, h('p', null, t('loading')))] };
  const screen = state.revoked && state.screen === 'sell' ? 'menu' : state.screen;
  const focused = document.activeElement?.id;
  root.replaceChildren(...[screens[screen]()].flat(2).filter(Boolean),
    state.message && screen !== 'pay' ? h('p', { class: 'error', role: 'alert', id: 'message' }, state.message) : '');
  root.dataset.screen = screen;
  if (focused) document.getElementById(focused)?.focus();
}

// ------------------------------------------------------------------------------------------
// The device's recent sales: a sale's detail, its void and its refunds (queued like sales, in
// the counter's transaction; the sale's row on the device records them in the same one).
// ------------------------------------------------------------------------------------------

/** @param {string} opId */
function saleOf(opId) { return tx(['sales'], 'readonly', (tr) => req(tr.objectStore('sales').get(opId))); }

async function openSales() {
  state.recent = await tx(['sales'], 'readonly', (tr) => new Promise((resolve, reject) => {
    /** @type {any[]} */
    const out = [];
    const cursor = tr.objectStore('sales').index('seq').openCursor(null, 'prev');
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c || out.length >= RECENT_SALES) return resolve(out);
      out.push(c.value); c.continue();
    };
    cursor.onerror = () => reject(cursor.error);
  }));
  state.screen = 'sales'; state.message = ''; render();
}

/** @param {any} sale */
function openSale(sale) { state.detail = sale; state.action = null; state.message = ''; state.screen = 'sale'; render(); }

function salesScreen() {
  const list = state.recent || [];
  return [header(t('sales_today')), statusBar(), h('main', null,
    list.length ? h('ul', { class: 'sales', id: 'sales' }, list.map((/** @type {any} */ s) => h('li', null,
      h('button', { type: 'button', class: 'sale-row', onclick: () => openSale(s) },
        h('span', { class: 'name' }, s.receipt_number),
        h('span', null, when(s.occurred_at, true)),
        h('span', { class: 'amount' }, money(s.total)),
        s.voided ? h('span', { class: 'badge out' }, t('voided')) : (s.refunds || []).length ? h('span', { class: 'badge low' }, t('refunded')) : null))))
      : h('p', { class: 'card' }, t('no_sales')),
    h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => { state.screen = 'menu'; render(); } }, t('back'))))];
}

/** What is left to refund of each line: sold minus what this device already refunded. @param {any} sale */
function refundable(sale) {
  return sale.lines.map((/** @type {any} */ l, i) => (sale.refunds || []).reduce(
    (/** @type {Dec} */ left, /** @type {any} */ f) => left.sub(sum(f.lines.filter((/** @type {any} */ x) => x.line === i).map((/** @type {any} */ x) => Dec.of(x.quantity)))),
    Dec.of(l.quantity)));
}

/** The people whose role may do `kind` at this storefront, from the pull. @param {'void'|'refund'} kind */
function authorisers(kind) {
  const sf = state.terminal?.storefront_id;
  const now = Date.now();
  return state.catalog.cashiers.filter((/** @type {any} */ c) => c.active && MAY[kind].includes(c.role)
    && (c.storefront_id === null || c.storefront_id === sf) && (!c.expires_at || Date.parse(c.expires_at) > now));
}

/** The fields asking for a manager's PIN when the signed-in cashier's role may not do `kind`.
 * @param {'void'|'refund'} kind */
function approvalFields(kind) {
  if (MAY[kind].includes(state.cashier.role)) return null;
  const people = authorisers(kind);
  return h('fieldset', { class: 'approval' }, h('legend', null, t('approval_needed')),
    people.length ? [
      h('label', { for: 'approver' }, t('approver')),
      h('select', { id: 'approver', name: 'approver' }, people.map((/** @type {any} */ c) => h('option', { value: c.id }, c.name))),
      h('label', { for: 'approver-pin' }, t('approver_pin')),
      h('input', { id: 'approver-pin', name: 'approver-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', required: true, pattern: '[0-9]*' }),
    ] : h('p', null, t('no_approver')));
}

/** The person the op is made under: the cashier if their role may, else the approver whose
 * PIN was right (the protocol has one person per op, `cashier_id`). @param {'void'|'refund'} kind */
async function authorise(kind) {
  if (MAY[kind].includes(state.cashier.role)) return { person: state.cashier, problem: '' };
  const select = /** @type {HTMLSelectElement|null} */ (document.getElementById('approver'));
  const person = authorisers(kind).find((/** @type {any} */ c) => c.id === select?.value);
  if (!person) return { person: null, problem: t('no_approver') };
  const problem = await checkPin(person, /** @type {HTMLInputElement} */ (document.getElementById('approver-pin')).value);
  return { person, problem };
}

/** Say why not, keeping what was typed (but the PIN). @param {string} problem */
function refuse(problem) {
  state.message = problem;
  const pin = /** @type {HTMLInputElement|null} */ (document.getElementById('approver-pin'));
  if (pin) pin.value = '';
  const shown = h('p', { class: 'error', role: 'alert', id: 'message' }, problem);
  const old = document.getElementById('message');
  if (old) old.replaceWith(shown); else root.append(shown);
}

async function voidSale() {
  const sale = state.detail;
  const reason = /** @type {HTMLInputElement} */ (document.getElementById('reason')).value.trim();
  if (!reason) return refuse(t('reason_needed'));
  const { person, problem } = await authorise('void');
  if (problem) return refuse(problem);
  try {
    await record('void', () => ({ sale_op_id: sale.op_id, cashier_id: person.id, reason }), undefined, async (sales, op) => {
      const row = await req(sales.get(sale.op_id));
      if (!row || row.voided) throw new Error(t('already_voided'));
      row.voided = { op_id: op.op_id, occurred_at: op.occurred_at, by: person.name };
      sales.put(row);
    });
  } catch (e) { return refuse(/** @type {Error} */ (e).message); }
  await afterAction(sale.op_id);
}

async function refundSale() {
  const sale = state.detail;
  const reason = /** @type {HTMLInputElement} */ (document.getElementById('reason')).value.trim();
  const left = refundable(sale);
  /** @type {{line: number, quantity: string}[]} */
  const lines = [];
  for (let i = 0; i < sale.lines.length; i++) {
    const v = /** @type {HTMLInputElement} */ (document.getElementById(`refund-${i}`)).value.replace(',', '.').trim();
    if (!v || Number(v) === 0) continue;
    if (!/^\d+(\.\d{1,3})?$/.test(v) || Dec.of(v).cmp(left[i]) > 0) return refuse(t('refund_too_much', { name: sale.lines[i].name, n: left[i].toFixed() }));
    lines.push({ line: i, quantity: v });
  }
  if (!lines.length) return refuse(t('refund_nothing'));
  if (!reason) return refuse(t('reason_needed'));
  const restock = /** @type {HTMLInputElement} */ (document.getElementById('restock')).checked;
  const { person, problem } = await authorise('refund');
  if (problem) return refuse(problem);
  try {
    await record('refund', () => ({ sale_op_id: sale.op_id, cashier_id: person.id, reason, lines, restock, ...(state.shift ? { shift_id: state.shift.id } : {}) }), undefined, async (sales, op) => {
      const row = await req(sales.get(sale.op_id));
      // Checked again inside the transaction: another tab may have refunded meanwhile.
      const still = row && !row.voided ? refundable(row) : [];
      if (lines.some((l) => !still[l.line] || Dec.of(l.quantity).cmp(still[l.line]) > 0)) throw new Error(t('refund_nothing'));
      row.refunds = [...(row.refunds || []), { op_id: op.op_id, occurred_at: op.occurred_at, by: person.name, lines, restock }];
      sales.put(row);
    });
  } catch (e) { return refuse(/** @type {Error} */ (e).message); }
  await afterAction(sale.op_id);
}

/** @param {string} opId */
async function afterAction(opId) {
  state.detail = await saleOf(opId);
  state.action = null; state.message = '';
  await countPending();
  render(); syncSoon();
}

/** Where the sale's void and refunds are: queued, uploaded or rejected. @param {any} sale */
function actionStates(sale) {
  const actions = [...(sale.voided ? [{ ...sale.voided, kind: 'voided' }] : []), ...(sale.refunds || []).map((/** @type {any} */ f) => ({ ...f, kind: 'refunded' }))];
  if (!actions.length) return null;
  const list = h('ul', { class: 'actions', id: 'actions' });
  tx(['ops'], 'readonly', (tr) => Promise.all(actions.map((a) => req(tr.objectStore('ops').get(a.op_id))))).then((rows) => {
    rows.forEach((row, i) => {
      const a = actions[i];
      const where = !row || row.state === 'done' ? t('uploaded') : row.state === 'rejected' ? t('rejected', { message: row.result?.message || '' }) : t('to_upload');
      list.append(h('li', { 'data-state': row ? row.state : 'done' }, `${t(a.kind)} · ${a.by} · ${where}`));
    });
  });
  return list;
}

function saleScreen() {
  const sale = state.detail;
  const left = refundable(sale);
  const canAct = !sale.voided && sale.status !== 'rejected';
  const canRefund = canAct && left.some((/** @type {Dec} */ q) => q.cmp(ZERO) > 0);
  const reason = [h('label', { for: 'reason' }, t('reason')), h('input', { id: 'reason', name: 'reason', maxlength: 500, required: true })];
  const back = h('button', { type: 'button', onclick: () => { state.action = null; state.message = ''; render(); } }, t('cancel'));
  let panel = null;
  if (state.action === 'void') {
    panel = h('form', { class: 'card', id: 'void-form', 'aria-label': t('void'), onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); voidSale(); } },
      h('h2', null, t('void_title')), reason, approvalFields('void'),
      h('div', { class: 'row' }, back, h('button', { type: 'submit', class: 'primary', id: 'confirm-void' }, t('void'))));
  } else if (state.action === 'refund') {
    panel = h('form', { class: 'card', id: 'refund-form', 'aria-label': t('refund'), onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); refundSale(); } },
      h('h2', null, t('refund_title')),
      sale.lines.map((/** @type {any} */ l, i) => h('label', null, t('refund_line', { name: l.name, n: left[i].toFixed() }), ' ',
        h('input', { id: `refund-${i}`, class: 'qty', inputmode: 'decimal', value: '0', disabled: left[i].cmp(ZERO) <= 0 }))),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'restock', checked: true }), ' ', t('restock')),
      reason, approvalFields('refund'),
      h('div', { class: 'row' }, back, h('button', { type: 'submit', class: 'primary', id: 'confirm-refund' }, t('refund'))));
  }
  return [header(t('sale_detail')), statusBar(), h('main', null,
    receiptView(sale), actionStates(sale), panel,
    panel ? null : h('div', { class: 'row no-print' },
      h('button', { type: 'button', onclick: () => openSales() }, t('back')),
      h('button', { type: 'button', id: 'void', disabled: !canAct || (sale.refunds || []).length > 0, onclick: () => { state.action = 'void'; state.message = ''; render(); } }, t('void')),
      h('button', { type: 'button', id: 'refund', disabled: !canRefund, onclick: () => { state.action = 'refund'; state.message = ''; render(); } }, t('refund'))))];
}

// ------------------------------------------------------------------------------------------
// The service worker and updates: a new version waits until no sale is in progress.
// ------------------------------------------------------------------------------------------

/** @type {ServiceWorker|null} */
let waiting = null;
function applyUpdate() {
  if (!waiting || state.cart.length || state.screen === 'pay') return;
  waiting.postMessage('skip-waiting');
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const reg = await navigator.serviceWorker.register('/pos/sw.js', { scope: '/pos/' }).catch(() => null);
  if (!reg) return;
  const offer = (/** @type {ServiceWorker|null} */ w) => { if (w && navigator.serviceWorker.controller) { waiting = w; state.update = true; render(); } };
  offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => { if (w.state === 'installed') offer(w); });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => { if (!reloading && state.update) { reloading = true; location.reload(); } });
}

async function start() {
  document.documentElement.lang = language();
  const hash = new URLSearchParams(location.hash.slice(1));
  state.pairCode = hash.get('code') || new URLSearchParams(location.search).get('code') || '';
  state.terminal = await get('terminal');
  state.revoked = !!(await get('revoked'));
  state.favourites = new Set((await get('favourites')) || []);
  state.shift = await get('shift');
  if (state.terminal) {
    await loadCatalog();
    const cashierId = sessionStorage.getItem('pos-cashier');
    state.cashier = state.catalog.cashiers.find((/** @type {any} */ c) => c.id === cashierId) || null;
    state.screen = state.cashier ? 'sell' : 'signin';
  } else {
    state.screen = 'pair';
  }
  await countPending();
  render();
  window.addEventListener('online', () => { state.online = true; renderStatus(); syncSoon(0); });
  window.addEventListener('offline', () => { state.online = false; renderStatus(); });
  if (state.terminal) syncSoon(0);
  registerWorker();
}

start();
