/**
 * A Python callable where labhub takes a declarative value: OAuthenticator 17's
 * `username_claim = lambda userdata: …` (or a `def` assigned to it). labhub does not run the
 * config, so the statement is refused; this finds the template to write instead, translating the
 * common forms (`u["email"].split("@")[0]` → `{email|localpart}`, `.lower()` → `|lower`).
 */

/** `p["a"]["b"]`, `p.get("a")`, with `.split("@")[0]`, `.lower()`, `.strip()`, `+ "text"`. */
function templateOf(expr: string, param: string): string | null {
  const p = param.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const str = String.raw`(?:"([^"]*)"|'([^']*)')`;
  const pieces = expr.split(/\s*\+\s*/);
  let out = '';
  for (const piece of pieces) {
    const lit = new RegExp(`^${str}$`).exec(piece);
    if (lit) {
      out += lit[1] ?? lit[2]!;
      continue;
    }
    const head = new RegExp(`^${p}((?:\\[${str}\\])+|\\.get\\(${str}(?:\\s*,[^)]*)?\\))`).exec(
      piece,
    );
    if (!head) return null;
    const path = [...head[1]!.matchAll(new RegExp(str, 'g'))].map((m) => m[1] ?? m[2]).join('.');
    let rest = piece.slice(head[0].length);
    const filters: string[] = [];
    for (;;) {
      const step =
        /^\.split\(\s*(?:"@"|'@')\s*\)\[0\]/.exec(rest) ??
        /^\.lower\(\)/.exec(rest) ??
        /^\.strip\(\)/.exec(rest);
      if (!step) break;
      if (step[0].startsWith('.split')) filters.push('localpart');
      else if (step[0] === '.lower()') filters.push('lower');
      rest = rest.slice(step[0].length);
    }
    if (rest.trim()) return null;
    out += `{${[path, ...filters].join('|')}}`;
  }
  return out || null;
}

/** The lambda's or function's body and parameter, when it is a single expression. */
function bodyOf(rhs: string, src: string): { body: string; param: string } | null {
  const lambda = /^lambda\s+(\w+)\s*(?:,[^:]*)?:\s*(.+)$/s.exec(rhs.trim());
  if (lambda) return { param: lambda[1]!, body: lambda[2]!.trim() };
  const name = /^(\w+)$/.exec(rhs.trim())?.[1];
  if (!name) return null;
  const def = new RegExp(
    String.raw`^def\s+${name}\s*\(\s*(\w+)[^)]*\)\s*:\s*\n\s+return\s+(.+)$`,
    'm',
  ).exec(src);
  return def ? { param: def[1]!, body: def[2]!.trim() } : null;
}

/**
 * For a refused statement `text` of the config `src`: a message with the template to write when
 * it is (or defines the function of) a callable username_claim, else null.
 */
export function callableHint(text: string, src: string): string | null {
  let assign = /^c\.(\w+)\.username_claim\s*=\s*(.+)$/s.exec(text.trim());
  const def = /^def\s+(\w+)\s*\(/.exec(text.trim());
  if (def) {
    const use = new RegExp(String.raw`^c\.(\w+)\.username_claim\s*=\s*(${def[1]})\s*$`, 'm').exec(
      src,
    );
    if (!use) return null;
    assign = use;
  }
  if (!assign) return null;
  const cls = assign[1]!;
  const b = bodyOf(assign[2]!, src);
  const template = b ? templateOf(b.body, b.param) : null;
  const write = template
    ? `write the template instead: c.${cls}.username_claim = ${JSON.stringify(template)}`
    : `write a template instead, e.g. c.${cls}.username_claim = "{preferred_username}" or "{email|localpart}" (filters: |localpart, |lower)`;
  return `username_claim is a Python callable, and labhub does not run the config; ${write} (see "username_claim" in docs/authentication.md)`;
}
