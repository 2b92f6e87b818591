// Exact decimals on BigInt, with the few operations the server's pricing uses and the same
// rounding as Python's decimal module there: exact sums and products, division to 28
// significant digits (half-even, the default context), and quantize half-up to a minor unit.

/** A decimal number: int × 10^exp. */
export class Dec {
  /** @param {bigint} int @param {number} exp */
  constructor(int, exp) { this.int = int; this.exp = exp; }

  /** @param {string|number|Dec} v */
  static of(v) {
    if (v instanceof Dec) return v;
    const s = String(v).trim();
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw new Error(`not a decimal: ${s}`);
    const frac = m[3] || '';
    const int = BigInt((m[2] || '0') + frac) * (m[1] === '-' ? -1n : 1n);
    return new Dec(int, -frac.length);
  }

  /** @param {number} exp */
  rescale(exp) { return exp >= this.exp ? this : new Dec(this.int * 10n ** BigInt(this.exp - exp), exp); }
  /** @param {Dec} o */
  add(o) { const e = Math.min(this.exp, o.exp); return new Dec(this.rescale(e).int + o.rescale(e).int, e); }
  /** @param {Dec} o */
  sub(o) { const e = Math.min(this.exp, o.exp); return new Dec(this.rescale(e).int - o.rescale(e).int, e); }
  /** @param {Dec} o */
  mul(o) { return new Dec(this.int * o.int, this.exp + o.exp); }
  /** @param {Dec} o */
  cmp(o) { const e = Math.min(this.exp, o.exp); const a = this.rescale(e).int, b = o.rescale(e).int; return a < b ? -1 : a > b ? 1 : 0; }
  isZero() { return this.int === 0n; }

  /** Division rounded to 28 significant digits, half-even (Python's default context).
   * @param {Dec} o */
  div(o) {
    if (o.int === 0n) throw new Error('division by zero');
    if (this.int === 0n) return new Dec(0n, 0);
    const neg = (this.int < 0n) !== (o.int < 0n);
    const a = this.int < 0n ? -this.int : this.int;
    const b = o.int < 0n ? -o.int : o.int;
    // a/b × 10^(this.exp - o.exp); scale a so that the quotient has at least 29 digits.
    let shift = 0;
    const digits = (/** @type {bigint} */ x) => x.toString().length;
    shift = Math.max(0, 29 - (digits(a) - digits(b)) + 1);
    let q = (a * 10n ** BigInt(shift)) / b;
    let r = (a * 10n ** BigInt(shift)) % b;
    let exp = this.exp - o.exp - shift;
    const extra = digits(q) - 28;
    if (extra > 0) {
      const p = 10n ** BigInt(extra);
      const rem = q % p;
      q = q / p;
      exp += extra;
      const half = p / 2n;
      const exactHalf = rem === half && r === 0n;
      if (rem > half || (rem === half && r !== 0n) || (exactHalf && q % 2n === 1n)) q += 1n;
      if (digits(q) > 28) { q /= 10n; exp += 1; } // 999.. rounded up to 1000..
    } else if (r !== 0n) {
      // cannot happen with the shift above; kept for safety
    }
    // Python keeps the exact result's exponent when it is exact: normalise trailing zeros up to
    // the ideal exponent (this.exp - o.exp).
    const ideal = this.exp - o.exp;
    while (exp < ideal && q % 10n === 0n && q !== 0n) { q /= 10n; exp += 1; }
    return new Dec(neg ? -q : q, exp);
  }

  /** Round half-up (away from zero) to `places` decimals. @param {number} places */
  quantize(places) {
    const exp = -places;
    if (this.exp >= exp) return this.rescale(exp);
    const p = 10n ** BigInt(exp - this.exp);
    const neg = this.int < 0n;
    const a = neg ? -this.int : this.int;
    let q = a / p;
    if ((a % p) * 2n >= p) q += 1n;
    return new Dec(neg ? -q : q, exp);
  }

  /** Round down (toward -infinity) to `places` decimals. @param {number} places */
  floor(places) {
    const exp = -places;
    if (this.exp >= exp) return this.rescale(exp);
    const p = 10n ** BigInt(exp - this.exp);
    let q = this.int / p;
    if (this.int < 0n && this.int % p !== 0n) q -= 1n;
    return new Dec(q, exp);
  }

  /** The plain string at `places` decimals (or as it is). @param {number} [places] */
  toFixed(places) {
    const d = places === undefined ? this : this.quantize(places);
    const neg = d.int < 0n;
    let s = (neg ? -d.int : d.int).toString();
    if (d.exp >= 0) return (neg ? '-' : '') + s + '0'.repeat(d.exp);
    const n = -d.exp;
    s = s.padStart(n + 1, '0');
    return (neg ? '-' : '') + s.slice(0, s.length - n) + '.' + s.slice(s.length - n);
  }

  toString() { return this.toFixed(); }
}

export const ZERO = new Dec(0n, 0);
export const HUNDRED = new Dec(100n, 0);
/** @param {Dec[]} xs */
export const sum = (xs) => xs.reduce((a, b) => a.add(b), ZERO);
