/** Python's `urllib.parse.quote`, as JupyterHub uses it for URLs, cookie names and client ids. */
// Python's urllib.parse.quote never escapes these.
const ALWAYS_SAFE = /[A-Za-z0-9_.\-~]/;
/** A value made only of those (most names) is its own quoting. */
const ALL_SAFE = /^[A-Za-z0-9_.\-~]*$/;

/** Python `urllib.parse.quote(value, safe)`: UTF-8 percent-encoding, uppercase hex. */
export function pyQuote(value: string, safe = '/'): string {
  if (ALL_SAFE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    if (ALWAYS_SAFE.test(ch) || (ch.length === 1 && safe.includes(ch))) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8'))
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** JupyterHub's `url_escape_path`: percent-quote keeping `@` and `~` (so `/` becomes `%2F`). */
export function urlEscapePath(value: string): string {
  return pyQuote(value, '@~');
}
