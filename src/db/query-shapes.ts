/**
 * Hot read queries compiled by Kysely once per shape instead of once per request. Building and
 * compiling a query with Kysely costs more than SQLite running these small indexed queries (a
 * 200-user page makes four, each with up to 200 parameters); a shape's SQL text depends only on its
 * structure (e.g. the number of ids in an `in` list), never on the values.
 *
 * `build` receives one placeholder per slot and must use each exactly once as a value; the
 * compiled query records where each placeholder landed in its parameters, and a run puts the
 * real values there (other parameters, such as constants, are kept).
 */
import type { CompiledQuery, Compilable, QueryResult } from 'kysely';
import type { Db } from './connection.js';
import { directSqliteOf, runDirect, type DirectSqlite } from './direct-sqlite.js';

interface Shape {
  compiled: CompiledQuery<unknown>;
  /** Index in `compiled.parameters` of each slot's value. */
  at: number[];
}

/**
 * Placeholders no real value equals: compiled as ordinary parameters, then located. Typed
 * `never` so that a placeholder fits wherever the query expects a value.
 */
const slotValue = (i: number): never => `\u0000labhub-slot-${i}` as never;

/** Shapes seen (bounded: shapes come from the code, the `in` list sizes from page sizes). */
export class QueryShapes {
  private readonly shapes = new Map<string, Shape>();
  /** SQLite outside a transaction: run without Kysely's executor (direct-sqlite.ts). */
  private readonly direct: DirectSqlite | undefined;
  constructor(
    private readonly db: Db,
    private readonly max = 256,
  ) {
    this.direct = directSqliteOf(db);
  }

  /** Runs the shape `key` (built by `build` the first time) with `values` in its slots. */
  async run<R>(
    key: string,
    values: readonly unknown[],
    build: (slot: (i: number) => never) => Compilable<R>,
  ): Promise<R[]> {
    return (await this.exec(key, values, build)).rows;
  }

  /**
   * {@link run} with each row as an array of the selected columns, in the order selected: on
   * SQLite outside a transaction straight from the statement (no object per row), else the
   * values of each row object.
   */
  async runRaw(
    key: string,
    values: readonly unknown[],
    build: (slot: (i: number) => never) => Compilable<unknown>,
  ): Promise<unknown[][]> {
    const q = this.compiled(key, values, build);
    const direct = this.direct && runDirect(this.direct, q, true);
    if (direct) return direct.rows as unknown[][];
    return (await this.db.executeQuery(q)).rows.map((r) => Object.values(r as object));
  }

  /**
   * {@link run}, answering the whole result: a write's `numAffectedRows` too. A write's shape
   * must be fixed per key (e.g. an update's SET list: one key per set of columns).
   */
  async exec<R>(
    key: string,
    values: readonly unknown[],
    build: (slot: (i: number) => never) => Compilable<R>,
  ): Promise<QueryResult<R>> {
    const q = this.compiled(key, values, build);
    return (this.direct && runDirect(this.direct, q)) || this.db.executeQuery<R>(q);
  }

  /** The shape `key` (built and compiled the first time) with `values` in its slots. */
  private compiled<R>(
    key: string,
    values: readonly unknown[],
    build: (slot: (i: number) => never) => Compilable<R>,
  ): CompiledQuery<R> {
    let shape = this.shapes.get(key);
    if (!shape) {
      const compiled = build(slotValue).compile() as CompiledQuery<unknown>;
      const at = values.map((_, i) => compiled.parameters.indexOf(slotValue(i)));
      const missing = at.indexOf(-1);
      if (missing >= 0 || new Set(at).size !== at.length)
        throw new Error(`query shape ${key}: slot ${missing} is not one parameter of its query`);
      shape = { compiled, at };
      if (this.shapes.size >= this.max) this.shapes.clear();
      this.shapes.set(key, shape);
    }
    const parameters = shape.compiled.parameters.slice();
    for (let i = 0; i < values.length; i++) parameters[shape.at[i]!] = values[i];
    return { ...shape.compiled, parameters } as CompiledQuery<R>;
  }
}
