/**
 * Dot segments (`.` and `..`) in route paths. A URL parser resolves them (`/user/../` becomes
 * `/`), so a route path that holds one names a different route than it seems to: the hub, the
 * proxy and CHP must never let one through. Pure functions, shared by the labhub-proxy REST API
 * and the hub's proxy client.
 */

/**
 * True for a path segment that a WHATWG URL parser treats as `.` or `..`: the dots themselves or
 * their percent-encodings (`%2e`, `.%2E`, `%2e%2e`, any case).
 */
export function isDotSegment(segment: string): boolean {
  const s = segment.toLowerCase().replaceAll('%2e', '.');
  return s === '.' || s === '..';
}

function decodeOnce(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The first dot segment of a path, or null. The path is looked at as sent and after one and two
 * rounds of percent-decoding (so `%2F..` and `%252e%252e` count), with `/` and `\` both
 * separating segments (WHATWG URL parsers read `\` as `/` in http URLs).
 */
export function findDotSegment(path: string): string | null {
  let p = path;
  for (let round = 0; round < 3; round++) {
    for (const seg of p.split(/[/\\]/)) if (isDotSegment(seg)) return seg;
    const next = decodeOnce(p);
    if (next === p) break;
    p = next;
  }
  return null;
}
