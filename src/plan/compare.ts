// Field comparison shared by every kind: plain fields, user-set attributes, and tags.
import { isIgnoredTagKey } from '../model/tags.ts';
import type { ResourceKind } from '../model/refs.ts';
import type { Change, FieldDiff, Spec } from './types.ts';
import { canonicalJson, containsUnknown, deepEqual, joinPath, resolveRefs, type Resolver } from './values.ts';

export interface FieldRule {
  readonly path: string;
  readonly desired: unknown;
  readonly observed: unknown;
  /** a change here cannot be made in place */
  readonly forcesReplacement?: boolean;
  /** applied to both sides (after Ref resolution) before comparing, e.g. to sort or fill AWS defaults */
  readonly normalize?: (v: unknown) => unknown;
}

/**
 * Compare each field: a desired value holding an Unknown yields an 'unknown' diff (never a claimed change);
 * a Ref still unresolved points at a resource this plan creates, so it differs from anything observed.
 */
export function diffFields(rules: readonly FieldRule[], resolve: Resolver): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const r of rules) {
    const desired = resolveRefs(r.desired, resolve);
    const flag = r.forcesReplacement ? { forcesReplacement: true } : {};
    if (containsUnknown(desired)) {
      out.push({ path: r.path, before: r.observed, after: desired, status: 'unknown', ...flag });
      continue;
    }
    const norm = r.normalize ?? ((v: unknown): unknown => v);
    if (!deepEqual(norm(desired), norm(r.observed))) {
      out.push({ path: r.path, before: r.observed, after: desired, status: 'changed', ...flag });
    }
  }
  return out;
}

/** only the keys the desired spec sets are compared; AWS reports every attribute */
export function diffAttributes(path: string, desired: Readonly<Record<string, string>>, observed: Readonly<Record<string, string>>): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const key of Object.keys(desired).sort()) {
    if (desired[key] !== observed[key]) {
      out.push({ path: joinPath(path, key), before: observed[key], after: desired[key], status: 'changed' });
    }
  }
  return out;
}

export interface TagContext {
  readonly clusterName: string;
  readonly externalManagedTags?: readonly string[];
}

/** desired vs observed tags; keys that tag reconciliation never touches are left out on both sides */
export function diffTags(desired: Readonly<Record<string, string>>, observed: Readonly<Record<string, string>>, ctx: TagContext): FieldDiff[] {
  const ignored = (k: string): boolean => isIgnoredTagKey(k, ctx.clusterName, ctx.externalManagedTags ?? []);
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(observed)])].filter((k) => !ignored(k)).sort();
  const out: FieldDiff[] = [];
  for (const key of keys) {
    const d = desired[key];
    const o = observed[key];
    if (d === o) continue;
    const diff: FieldDiff = { path: joinPath('tags', key), status: 'changed' };
    out.push({ ...diff, ...(o === undefined ? {} : { before: o }), ...(d === undefined ? {} : { after: d }) });
  }
  return out;
}

/** for lists whose order AWS does not keep: compare as sorted */
export const sortedCopy = (v: unknown): unknown => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : canonicalJson(x))).sort() : v);

export interface InPlaceBase {
  readonly kind: ResourceKind;
  readonly id: string;
  readonly arn?: string;
  readonly before: Spec;
  readonly after: Spec;
}

/**
 * A matched resource that is kept: update when a known field differs, else noop. Fields known only after
 * discovery are listed (unknownFields), never claimed. `updateReason` words the reason of an update.
 */
export function inPlaceChange(base: InPlaceBase, diffs: readonly FieldDiff[], updateReason = (fields: readonly string[]): string => `${fields.join(', ')} differ`): Change {
  const fields = diffs.filter((x) => x.status === 'changed').map((x) => x.path);
  const unknownFields = diffs.filter((x) => x.status === 'unknown').map((x) => x.path);
  const extra = { ...(unknownFields.length ? { unknownFields } : {}), ...(diffs.length ? { diffs } : {}) };
  if (fields.length > 0) return { action: 'update', ...base, reason: updateReason(fields), fields, ...extra };
  const reason = unknownFields.length ? `no known difference; ${unknownFields.join(', ')} known after discovery` : 'matches';
  return { action: 'noop', ...base, reason, ...extra };
}
