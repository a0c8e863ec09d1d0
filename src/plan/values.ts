// Generic value helpers: walking specs for Refs and Unknowns, resolving Refs, structural equality, paths.
import { isRef, isUnknown, type Ref } from '../model/refs.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** every Ref anywhere in a value */
export function collectRefs(v: unknown, out: Ref[] = []): Ref[] {
  if (isRef(v)) {
    out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collectRefs(x, out);
  } else if (isPlainObject(v)) {
    for (const x of Object.values(v)) collectRefs(x, out);
  }
  return out;
}

export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (isRef(v)) return false;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isPlainObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

export function containsRef(v: unknown): boolean {
  return collectRefs(v).length > 0;
}

/** a Ref's value when its target exists and is kept; undefined when the target is still to be created */
export type Resolver = (r: Ref) => string | undefined;

/** a copy with every resolvable Ref replaced by its value; other Refs and Unknowns stay as they are */
export function resolveRefs<T>(v: T, resolve: Resolver): T {
  if (isRef(v)) return (resolve(v) ?? v) as T;
  if (isUnknown(v)) return v;
  if (Array.isArray(v)) return v.map((x) => resolveRefs(x, resolve)) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveRefs(x, resolve);
    return out as T;
  }
  return v;
}

/** structural equality; an object key holding undefined equals a missing key */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** JSON with object keys sorted at every level and undefined dropped: a stable key for sorting and grouping */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "tags" + "team" → "tags.team"; "tags" + "a/b" → 'tags["a/b"]' */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (IDENT.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export { isPlainObject };
