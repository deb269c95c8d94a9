/**
 * Values of the Python subset read from jupyterhub_config.py (py-parser.ts): sets as
 * de-duplicated arrays that remember where they came from, dict keys, and arithmetic.
 */

/** Arrays produced from Python sets (so `.update`/`.add` keep set semantics). */
export const PY_SETS = new WeakSet<unknown[]>();

export function dictKey(k: unknown, fail: (r: string) => never): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'boolean') return String(k);
  if (k === null) return 'None';
  return fail('dict keys must be strings or numbers');
}

/** Sets an own property even for keys like `__proto__`. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A de-duplicated array that remembers it came from a Python set. */
export function makeSet(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    const k = JSON.stringify(it);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(it);
    }
  }
  PY_SETS.add(out);
  return out;
}

export function binary(op: string, a: unknown, b: unknown, fail: (r: string) => never): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      case '//':
        return Math.floor(a / b);
      case '%':
        return a % b;
      case '**':
        return a ** b;
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return fail(
    `\`${op}\` is only supported between numbers (or + between two strings or two lists)`,
  );
}
