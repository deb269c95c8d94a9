/** Reject with `err()` when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, err: () => Error): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, rej) => (t = setTimeout(() => rej(err()), ms))),
  ]).finally(() => clearTimeout(t));
}

/** true when `p` settles within `ms`, false otherwise (p keeps running). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((r) => (t = setTimeout(() => r(false), ms))),
  ]).finally(() => clearTimeout(t));
}
