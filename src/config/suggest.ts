/** "Did you mean …?" for unknown config keys: edit distance over class and trait names. */
import { REFUSED_TRAITS, UNSUPPORTED_TRAITS } from './known-traits.js';
import { levenshtein } from '../util/edit-distance.js';

/** Edit distance of two config names, ignoring case. */
export function editDistance(a: string, b: string): number {
  return levenshtein(a.toLowerCase(), b.toLowerCase());
}
import { CLASS_NAMES, traitsOf, type ClassName } from './schema.js';

/** Every `Class.trait` labhub supports, plus the recognised-unsupported ones. */
function allKeys(): string[] {
  const keys: string[] = [];
  for (const c of CLASS_NAMES) for (const t of Object.keys(traitsOf(c))) keys.push(`${c}.${t}`);
  return keys;
}

/**
 * The closest known key to `Class.trait`, or null when nothing is close.
 * A matching trait name in another class wins (`JupyterHub.admin_user` → `Authenticator.admin_users`);
 * otherwise the nearest trait of the same class, then the nearest class.
 */
export function suggestKey(cls: string, trait: string): string | null {
  const keys = allKeys();
  const known = new Set(CLASS_NAMES as string[]);
  const budget = (s: string) => Math.max(1, Math.floor(s.length / 3));
  // Same class (or a close class name), closest trait.
  const clsCandidates = known.has(cls)
    ? [cls as ClassName]
    : CLASS_NAMES.filter((c) => editDistance(c, cls) <= budget(cls));
  let best: { key: string; d: number } | null = null;
  for (const c of clsCandidates) {
    for (const t of Object.keys(traitsOf(c))) {
      const d = editDistance(t, trait) + (c === cls ? 0 : editDistance(c, cls));
      if (d <= budget(trait) && (!best || d < best.d)) best = { key: `${c}.${t}`, d };
    }
  }
  // The trait exists (exactly or nearly) in another class: likely the wrong section.
  let other: { key: string; d: number } | null = null;
  for (const k of keys) {
    const t = k.slice(k.indexOf('.') + 1);
    const d = editDistance(t, trait);
    if (d <= Math.min(2, budget(trait)) && (!other || d < other.d)) other = { key: k, d };
  }
  if (other && (!best || other.d < best.d)) return other.key;
  if (best) return best.key;
  if (!known.has(cls) && clsCandidates.length) return `${clsCandidates[0]}.${trait}`;
  for (const [c, list] of Object.entries(UNSUPPORTED_TRAITS)) {
    for (const t of list) if (editDistance(t, trait) <= 1) return `${c}.${t}`;
  }
  for (const [c, traits] of Object.entries(REFUSED_TRAITS)) {
    for (const t of Object.keys(traits)) if (editDistance(t, trait) <= 1) return `${c}.${t}`;
  }
  return null;
}
