/**
 * Request-path helpers: what path routing sees, and what path the target receives
 * (CHP semantics: target path prepended unless --no-prepend-path, route prefix kept unless
 * --no-include-prefix, queries of target and request merged).
 */

/** Split a request URL into its raw path and its query (with the leading '?', or ''). */
export function splitUrl(url: string): [string, string] {
  const q = url.indexOf('?');
  return q === -1 ? [url, ''] : [url.slice(0, q), url.slice(q)];
}

/** Percent-decode a path for routing; an invalid escape keeps the raw path. */
export function decodePath(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Remove the first `n` non-empty segments of a raw path ("/a/b/c", 1 → "/b/c"). */
export function stripSegments(raw: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n; k++) {
    while (i < raw.length && raw.charCodeAt(i) === 47) i++;
    const j = raw.indexOf('/', i);
    if (j === -1) return '';
    i = j;
  }
  return raw.slice(i);
}

export function countSegments(path: string): number {
  let n = 0;
  for (const s of path.split('/')) if (s.length > 0) n++;
  return n;
}

/**
 * Join a target path (with optional query) and a request path (with optional query): one '/'
 * at the junction, queries joined with '&' (target's first). Empty parts are skipped.
 */
export function joinUrl(base: string, rest: string): string {
  const [bp, bq] = splitUrl(base);
  const [rp, rq] = splitUrl(rest);
  let path: string;
  if (!rp) path = bp || '/';
  else if (!bp) path = rp[0] === '/' ? rp : '/' + rp;
  else if (bp.endsWith('/')) path = rp[0] === '/' ? bp + rp.slice(1) : bp + rp;
  else path = rp[0] === '/' ? bp + rp : bp + '/' + rp;
  const qs = [bq.slice(1), rq.slice(1)].filter(Boolean).join('&');
  return qs ? `${path}?${qs}` : path;
}
