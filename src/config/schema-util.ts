/**
 * Building blocks for the config schema: every trait is a zod schema with a default and
 * metadata (`type` label for the docs, `help` text). docs/config.md is rendered from these.
 */
import { z } from 'zod';

/** Metadata attached to every trait schema. */
export interface TraitMeta {
  /** Short type for the docs, e.g. `int`, `list[str]`. */
  type: string;
  /** Help text (markdown, one paragraph). */
  help: string;
  /** How the default is shown when it is computed (e.g. "derived from ip, port, base_url"). */
  defaultText?: string;
}

const META = new WeakMap<z.ZodType, TraitMeta>();

/** Declares a trait: schema + default + docs. `def === undefined` means "no value" (optional). */
export function t<S extends z.ZodType>(
  schema: S,
  def: z.input<S>,
  type: string,
  help: string,
  defaultText?: string,
): z.ZodType<z.output<S>, z.input<S> | undefined> {
  const out = schema.prefault(def as never) as unknown as z.ZodType<
    z.output<S>,
    z.input<S> | undefined
  >;
  META.set(out, { type, help, defaultText });
  return out;
}

/** Reads the docs metadata of a trait schema. */
export function traitMeta(s: z.ZodType): TraitMeta | undefined {
  return META.get(s);
}

/**
 * The fields of the object inside a trait schema (through defaults, optional, nullable, lists,
 * dicts and transforms), e.g. of one `JupyterHub.services` entry; null for a scalar trait.
 */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, z.ZodType>;
  const wrapped =
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable;
  if (wrapped) return objectShape(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodArray) return objectShape(schema.element as z.ZodType);
  if (schema instanceof z.ZodRecord) return objectShape(schema.valueType as z.ZodType);
  if (schema instanceof z.ZodPipe) return objectShape(schema.in as z.ZodType);
  return null;
}

/** Field names of the object inside a trait schema ({@link objectShape}); [] for a scalar. */
export function objectFields(schema: z.ZodType): string[] {
  return Object.keys(objectShape(schema) ?? {});
}

/** A Python set/list of strings; duplicates are dropped, order kept. */
export const strSet = z.array(z.string()).transform((a) => [...new Set(a)]);
export const strList = z.array(z.string());
export const strDict = z.record(z.string(), z.string());
export const anyDict = z.record(z.string(), z.unknown());

/** traitlets `Command`: a string becomes a one-element list. */
export const command = z.union([z.string().transform((s) => (s ? [s] : [])), z.array(z.string())]);

const UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** JupyterHub's ByteSpecification: bytes as a number, or "512M", "2G", "1.5T" (1024-based). */
export const byteSize = z.union([
  z.number().nonnegative(),
  z.string().transform((s, ctx) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT])?\s*$/i.exec(s);
    if (!m) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a size like 512M, 2G or a number of bytes, received ${JSON.stringify(s)}`,
      });
      return z.NEVER;
    }
    const unit = m[2] ? UNITS[m[2].toUpperCase()]! : 1;
    return Math.floor(Number(m[1]) * unit);
  }),
]);

export const port = z.number().int().min(0).max(65535);
export const posInt = z.number().int().min(0);
export const seconds = z.number().min(0);
