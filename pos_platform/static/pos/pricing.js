// The money of a sale, computed on the device by the server's rules (tenant_apps/sales/pricing.py,
// docs/pos.md "Taxes and rounding"); proven equal on vectors generated from the server.
import { Dec, ZERO, HUNDRED, sum } from './decimal.js';

/**
 * @typedef {{code: string, name: string, rate: string, compound?: boolean, position?: number}} TaxRule
 * @typedef {{unit_price: string, quantity: string, discount?: string, tax_category?: string|null}} LineIn
 * @typedef {{code: string, name: string, rate: Dec, compound: boolean, base: Dec, amount: Dec}} TaxAmount
 */

export class DiscountTooLarge extends Error {}

/** @param {TaxRule[]} rules */
function ordered(rules) {
  return [...rules].sort((a, b) =>
    (Number(!!a.compound) - Number(!!b.compound)) || ((a.position || 0) - (b.position || 0)) ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** (net, taxes) of one line whose discounted amount is `amount`.
 * @param {Dec} amount @param {TaxRule[]} rules @param {boolean} inclusive @param {number} minor
 * @returns {[Dec, TaxAmount[]]} */
export function lineTaxes(amount, rules, inclusive, minor) {
  const rs = ordered(rules).map((r) => ({ ...r, rate: Dec.of(r.rate), compound: !!r.compound }));
  if (!rs.length || amount.isZero()) {
    return [amount, rs.map((r) => ({ code: r.code, name: r.name, rate: r.rate, compound: r.compound, base: ZERO, amount: ZERO }))];
  }
  const simple = rs.filter((r) => !r.compound);
  const compound = rs.filter((r) => r.compound);
  let net = amount;
  if (inclusive) {
    const one = new Dec(1n, 0);
    const simpleSum = sum(simple.map((r) => r.rate)).div(HUNDRED);
    const compoundSum = sum(compound.map((r) => r.rate)).div(HUNDRED);
    const multiplier = one.add(simpleSum).mul(one.add(compoundSum));
    net = amount.div(multiplier).quantize(minor);
  }
  /** @type {TaxAmount[]} */
  const taxes = simple.map((r) => ({ code: r.code, name: r.name, rate: r.rate, compound: false, base: net, amount: net.mul(r.rate).div(HUNDRED).quantize(minor) }));
  const compoundBase = net.add(sum(taxes.map((t) => t.amount)));
  for (const r of compound) {
    taxes.push({ code: r.code, name: r.name, rate: r.rate, compound: true, base: compoundBase, amount: compoundBase.mul(r.rate).div(HUNDRED).quantize(minor) });
  }
  if (inclusive) {
    const diff = amount.sub(net).sub(sum(taxes.map((t) => t.amount)));
    if (!diff.isZero()) {
      let index = 0;
      for (let i = 1; i < taxes.length; i++) if (taxes[i].rate.cmp(taxes[index].rate) > 0) index = i;
      taxes[index] = { ...taxes[index], amount: taxes[index].amount.add(diff) };
    }
  }
  return [net, taxes];
}

/** Split `amount` in proportion to `weights`, in minor units, adding up exactly (largest remainder).
 * @param {Dec} amount @param {Dec[]} weights @param {number} minor */
export function allocate(amount, weights, minor) {
  if (!weights.length) return [];
  const total = sum(weights);
  if (amount.isZero() || total.isZero()) return weights.map(() => ZERO);
  const exact = weights.map((w) => amount.mul(w).div(total));
  const floors = exact.map((e) => e.floor(minor));
  const unit = new Dec(1n, -minor);
  const left = Number(amount.sub(sum(floors)).div(unit).quantize(0).int);
  const order = weights.map((_, i) => i).sort((i, j) => (exact[j].sub(floors[j]).cmp(exact[i].sub(floors[i]))) || (i - j));
  for (const i of order.slice(0, left)) floors[i] = floors[i].add(unit);
  return floors.map((f) => f.quantize(minor));
}

/** @param {TaxAmount[][]} groups */
export function mergeTaxes(groups) {
  /** @type {Map<string, TaxAmount>} */
  const merged = new Map();
  for (const taxes of groups) for (const t of taxes) {
    const key = `${t.code}|${t.rate.toFixed(6)}|${t.compound}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, base: seen.base.add(t.base), amount: seen.amount.add(t.amount) } : t);
  }
  return [...merged.values()];
}

/** Every figure of a sale.
 * @param {{lines: LineIn[], rates: Record<string, TaxRule[]>, sale_discount?: string, prices_include_tax: boolean, minor_unit: number}} input */
export function priceSale(input) {
  const minor = input.minor_unit;
  const lines = input.lines.map((l) => ({ unit: Dec.of(l.unit_price), qty: Dec.of(l.quantity), discount: Dec.of(l.discount || '0'), cat: l.tax_category ?? null }));
  const grosses = lines.map((l) => l.unit.mul(l.qty).quantize(minor));
  const afterLine = lines.map((l, i) => {
    if (l.discount.cmp(grosses[i]) > 0) throw new DiscountTooLarge(`line ${i + 1}`);
    return grosses[i].sub(l.discount);
  });
  const saleDiscount = Dec.of(input.sale_discount || '0');
  if (saleDiscount.cmp(sum(afterLine)) > 0) throw new DiscountTooLarge('sale');
  const shares = allocate(saleDiscount, afterLine, minor);
  const results = lines.map((l, i) => {
    const charged = afterLine[i].sub(shares[i]);
    const rules = l.cat !== null ? (input.rates[l.cat] || []) : [];
    const [net, taxes] = lineTaxes(charged, rules, input.prices_include_tax, minor);
    const tax = sum(taxes.map((t) => t.amount));
    return { gross: grosses[i], discount: l.discount, sale_discount_share: shares[i], net, tax, total: net.add(tax), taxes };
  });
  return {
    lines: results,
    subtotal: sum(grosses),
    line_discount_total: sum(lines.map((l) => l.discount)),
    sale_discount: saleDiscount,
    discount_total: sum(lines.map((l) => l.discount)).add(saleDiscount),
    net_total: sum(results.map((r) => r.net)),
    tax_total: sum(results.map((r) => r.tax)),
    total: sum(results.map((r) => r.total)),
    taxes: mergeTaxes(results.map((r) => r.taxes)),
  };
}

/** How payments settle `due` (the server's plan): cash covers what card and mobile money leave,
 * its excess is change. @param {{kind: string, amount: string}[]} payments @param {Dec} due */
export function planPayments(payments, due) {
  const amounts = payments.map((p) => Dec.of(p.amount));
  const nonCash = sum(amounts.filter((_, i) => payments[i].kind !== 'cash'));
  const cash = sum(amounts.filter((_, i) => payments[i].kind === 'cash'));
  let cashDue = due.sub(nonCash);
  if (cashDue.cmp(ZERO) < 0) cashDue = ZERO;
  const rows = payments.map((p, i) => {
    let applied = amounts[i];
    if (p.kind === 'cash') {
      applied = amounts[i].cmp(cashDue) < 0 ? amounts[i] : cashDue;
      cashDue = cashDue.sub(applied);
    }
    return { amount: applied, change: amounts[i].sub(applied) };
  });
  let problem = null;
  if (nonCash.cmp(due) > 0) problem = 'overpaid';
  else if (nonCash.add(cash).cmp(due) < 0) problem = 'underpaid';
  return { rows, paid: sum(rows.map((r) => r.amount)), change: sum(rows.map((r) => r.change)), problem };
}
