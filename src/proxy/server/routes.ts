/**
 * The proxy's route table: CHP paths ("/user/alice", "/" for the root) mapped to route data
 * (`target` plus whatever the API caller stored), matched by longest prefix on whole path
 * segments. Lookups walk a segment trie, so their cost follows the depth of the path, not the
 * number of routes.
 */

/** Route data as stored and returned by the REST API (`last_activity` is added on output). */
export type RouteData = { target: string; [key: string]: unknown };

/** One entry of the table. `lastActivity` is epoch milliseconds, written on the hot path. */
export interface RouteEntry {
  /** Clean CHP path: starts with '/', no trailing '/' except for the root. */
  readonly path: string;
  data: RouteData;
  /** Parsed target, cached so forwarding never re-parses it. */
  target: URL;
  lastActivity: number;
}

interface Node {
  entry?: RouteEntry;
  children?: Map<string, Node>;
}

/** Normalize a path the way CHP does: leading '/' ensured, trailing '/' removed (except root). */
export function cleanPath(p: string): string {
  let path = p.length === 0 || p[0] !== '/' ? '/' + p : p;
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

function segments(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (const s of parts) if (s.length > 0) out.push(s);
  return out;
}

export class RouteTable {
  private readonly root: Node = {};
  private readonly byPath = new Map<string, RouteEntry>();

  get size(): number {
    return this.byPath.size;
  }

  /** Add or replace a route. Throws TypeError when `data.target` is not an absolute URL. */
  add(path: string, data: RouteData): RouteEntry {
    const clean = cleanPath(path);
    const target = new URL(data.target);
    const entry: RouteEntry = { path: clean, data, target, lastActivity: Date.now() };
    let node = this.root;
    for (const seg of segments(clean)) {
      if (!node.children) node.children = new Map();
      let next = node.children.get(seg);
      if (!next) {
        next = {};
        node.children.set(seg, next);
      }
      node = next;
    }
    node.entry = entry;
    this.byPath.set(clean, entry);
    return entry;
  }

  get(path: string): RouteEntry | undefined {
    return this.byPath.get(cleanPath(path));
  }

  /** Remove a route; prunes empty trie branches so deleted routes leave nothing behind. */
  remove(path: string): RouteEntry | undefined {
    const clean = cleanPath(path);
    const entry = this.byPath.get(clean);
    if (!entry) return undefined;
    this.byPath.delete(clean);
    const trail: Array<[Node, string]> = [];
    let node: Node | undefined = this.root;
    for (const seg of segments(clean)) {
      const next: Node | undefined = node.children?.get(seg);
      if (!next) return entry;
      trail.push([node, seg]);
      node = next;
    }
    node.entry = undefined;
    for (let i = trail.length - 1; i >= 0; i--) {
      const [parent, seg] = trail[i]!;
      const child = parent.children!.get(seg)!;
      if (child.entry || (child.children && child.children.size > 0)) break;
      parent.children!.delete(seg);
    }
    return entry;
  }

  /**
   * Longest-prefix match of a decoded request path (query already stripped) on whole segments:
   * "/user/alice/lab" matches "/user/alice", "/user/alicex" does not.
   */
  match(path: string): RouteEntry | undefined {
    let node: Node = this.root;
    let best = node.entry;
    let i = 0;
    const n = path.length;
    while (i < n) {
      while (i < n && path.charCodeAt(i) === 47 /* / */) i++;
      if (i >= n) break;
      let j = path.indexOf('/', i);
      if (j === -1) j = n;
      const next = node.children?.get(path.slice(i, j));
      if (!next) break;
      node = next;
      if (node.entry) best = node.entry;
      i = j;
    }
    return best;
  }

  entries(): IterableIterator<RouteEntry> {
    return this.byPath.values();
  }

  /** Distinct target origins in use (to close upstream pools nobody routes to any more). */
  origins(): Set<string> {
    const s = new Set<string>();
    for (const e of this.byPath.values()) s.add(originKey(e.target));
    return s;
  }
}

/** Pool key of a target: its origin, or scheme+host for http+unix targets (URL.origin is 'null'). */
export function originKey(u: URL): string {
  return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
}

/** Route data plus `last_activity` as an ISO string: the REST API's view of one route. */
export function routeToJson(e: RouteEntry): Record<string, unknown> {
  return { ...e.data, last_activity: new Date(e.lastActivity).toISOString() };
}
