// Reading JSON annotation values the way upstream's Go decoder does: object keys match their field
// case-insensitively (an exact match first), null means absent, unknown keys are ignored, and a
// value of the wrong JSON type is an error. A walker throws JsonFault, which the `json` Shape turns
// into a reason "path: expected ..., got ...".
import { fail, ok, show, type Shape } from './values.ts';

export class JsonFault extends Error {}

export interface Obj { readonly path: string; readonly fields: Readonly<Record<string, unknown>> }

export const at = (path: string, name: string | number): string =>
  typeof name === 'number' ? `${path}[${name}]` : path ? `${path}.${name}` : name;

export function fault(path: string, reason: string): never {
  throw new JsonFault(path ? `${path}: ${reason}` : reason);
}

export function expected(path: string, what: string, got: unknown): never {
  return fault(path, `expected ${what}, got ${show(got)}`);
}

/** JSON text, then a walker that turns the parsed value into T */
export const json = <T>(walk: (v: unknown) => T): Shape<T> => (raw) => {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return fail(`expected JSON, got ${show(raw)}`);
  }
  try {
    return ok(walk(v));
  } catch (e) {
    if (e instanceof JsonFault) return fail(e.message);
    throw e;
  }
};

export function object(v: unknown, path: string, what = 'an object'): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) expected(path, what, v);
  return { path, fields: v as Record<string, unknown> };
}

export function array(v: unknown, path: string, what = 'an array'): unknown[] {
  if (!Array.isArray(v)) expected(path, what, v);
  return v as unknown[];
}

/** the key of `o` that decodes into field `name`, as Go's encoding/json picks it */
function keyFor(o: Obj, name: string): string | undefined {
  if (Object.hasOwn(o.fields, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(o.fields).find((k) => k.toLowerCase() === lower);
}

/** the field's value, undefined when absent or null */
export function get(o: Obj, name: string): unknown {
  const key = keyFor(o, name);
  const v = key === undefined ? undefined : o.fields[key];
  return v === null ? undefined : v;
}

export function optString(o: Obj, name: string): string | undefined {
  const v = get(o, name);
  if (v !== undefined && typeof v !== 'string') expected(at(o.path, name), 'a string', v);
  return v as string | undefined;
}

export function reqString(o: Obj, name: string): string {
  const v = optString(o, name);
  if (v === undefined || v === '') fault(at(o.path, name), 'is required');
  return v;
}

export function optInt(o: Obj, name: string, min: number, max: number): number | undefined {
  const v = get(o, name);
  if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) {
    expected(at(o.path, name), `an integer in [${min}, ${max}]`, v);
  }
  return v as number | undefined;
}

export function optBool(o: Obj, name: string): boolean | undefined {
  const v = get(o, name);
  if (v !== undefined && typeof v !== 'boolean') expected(at(o.path, name), 'true or false', v);
  return v as boolean | undefined;
}

/** a non-empty array of strings, each passing `check` (which returns a reason or undefined) */
export function stringValues(o: Obj, name: string, check: (s: string) => string | undefined): string[] {
  const path = at(o.path, name);
  const items = array(get(o, name), path, 'a non-empty array of strings');
  if (items.length === 0) fault(path, 'must not be empty');
  return items.map((s, i) => {
    if (typeof s !== 'string') expected(at(path, i), 'a string', s);
    const reason = check(s as string);
    if (reason !== undefined) fault(at(path, i), reason);
    return s as string;
  });
}

/** a required object field; `why` says when it is required */
export function reqObject(o: Obj, name: string, why: string): Obj {
  const path = at(o.path, name);
  const v = get(o, name);
  if (v === undefined) fault(path, `is required ${why}`);
  return object(v, path);
}

/** a string field limited to `max` characters and, when given, to pattern `re` */
export function checkedString(o: Obj, name: string, max: number, re?: { test: (s: string) => boolean; what: string }): string | undefined {
  const v = optString(o, name);
  if (v === undefined) return undefined;
  if (v.length > max) fault(at(o.path, name), `is ${v.length} characters long; at most ${max} are allowed`);
  if (re && !re.test(v)) expected(at(o.path, name), re.what, v);
  return v;
}

/** drops undefined members, so results compare cleanly and print without noise */
export const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
