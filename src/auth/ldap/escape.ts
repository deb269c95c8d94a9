/**
 * Escaping of user input put into LDAP filters (RFC 4515 §3) and DNs (RFC 4514 §2.4), and the
 * `{name}` template filling ldapauthenticator does with Python's str.format. Every value a person
 * typed (the login name) or the directory returned (a DN, an attribute value) goes through one of
 * these before it is placed in a filter or a DN, so `*`, `)(uid=*` or a NUL cannot change what
 * is searched or bound.
 */

/**
 * A value for an LDAP filter assertion (RFC 4515): `*`, `(`, `)`, `\` and NUL become `\2a`,
 * `\28`, `\29`, `\5c`, `\00`. Other characters stay as they are (the filter is sent as UTF-8).
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A value for one RDN attribute of a DN (RFC 4514 §2.4): `"`, `+`, `,`, `;`, `<`, `>`, `\` and
 * `=` get a backslash; a leading space or `#` and a trailing space too; NUL becomes `\00`.
 */
export function escapeDnValue(value: string): string {
  const chars = [...value];
  return chars
    .map((c, i) => {
      if (c === '\0') return '\\00';
      if ('"+,;<>\\='.includes(c)) return `\\${c}`;
      const edge = (i === 0 && (c === ' ' || c === '#')) || (i === chars.length - 1 && c === ' ');
      return edge ? `\\${c}` : c;
    })
    .join('');
}

/**
 * Fill `{name}` fields of a template (Python str.format with named fields only; `{{`/`}}` are
 * literal braces). Values must already be escaped for where they go. Throws an Error naming the
 * field for an unknown or malformed field, so a wrong template fails at start, not at a login.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    if (name === undefined) throw new Error(`a lone "${m}" (write "${m}${m}" for a brace)`);
    if (!Object.prototype.hasOwnProperty.call(values, name))
      throw new Error(
        `unknown field {${name}} (known: ${Object.keys(values)
          .map((k) => `{${k}}`)
          .join(', ')})`,
      );
    return values[name]!;
  });
}
