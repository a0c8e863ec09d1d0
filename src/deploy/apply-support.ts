// Small pieces apply's per-kind modules share: AWS error codes, bounded retries, Ref resolution,
// value comparison and tag diffs.
import { isRef, isUnknown, isIgnoredTagKey, isOwnedBy, LEGACY_TAG_INGRESS_CLUSTER, TAG_CLUSTER, TAG_INGRESS_STACK, TAG_SERVICE_STACK, TAG_INGRESS_RESOURCE, TAG_SERVICE_RESOURCE } from '../model/index.ts';
import type { Ref, Tags } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyTiming } from './apply-types.ts';

/** The AWS error code of a thrown SDK error ("ResourceInUse" for ResourceInUseException), or undefined. */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  const raw = [e.Code, e.code, e.name].find((v): v is string => typeof v === 'string' && v !== 'Error');
  return raw?.replace(/Exception$/, '');
}

export const isAwsError = (err: unknown, ...codes: string[]): boolean => {
  const code = awsErrorCode(err);
  return code !== undefined && codes.some((c) => c.replace(/Exception$/, '') === code);
};

/** Runs `op`; an AWS error with one of `codes` gives undefined instead of a throw. */
export async function unless<T>(op: () => Promise<T>, ...codes: string[]): Promise<T | undefined> {
  try {
    return await op();
  } catch (err) {
    if (isAwsError(err, ...codes)) return undefined;
    throw err;
  }
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type ResolvedTiming = Required<ApplyTiming>;

export function resolveTiming(t: ApplyTiming | undefined): ResolvedTiming {
  return {
    targetGroupDeleteTimeoutMs: t?.targetGroupDeleteTimeoutMs ?? 20_000,
    securityGroupDeleteTimeoutMs: t?.securityGroupDeleteTimeoutMs ?? 10_000,
    initialBackoffMs: t?.initialBackoffMs ?? 200,
    maxBackoffMs: t?.maxBackoffMs ?? 2_000,
    sleep: t?.sleep ?? realSleep,
    now: t?.now ?? Date.now,
  };
}

/** Runs `op` again while it fails with one of `codes`, backing off, until `timeoutMs` has passed. */
export async function retryWhile<T>(op: () => Promise<T>, codes: readonly string[], timeoutMs: number, timing: ResolvedTiming, resource: string): Promise<T> {
  const deadline = timing.now() + timeoutMs;
  let delay = timing.initialBackoffMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!isAwsError(err, ...codes)) throw err;
      if (timing.now() + delay > deadline) {
        throw new ApplyError('Timeout', `${resource}: still ${awsErrorCode(err)} after ${timeoutMs} ms`, { resource, cause: err });
      }
      await timing.sleep(delay);
      delay = Math.min(delay * 2, timing.maxBackoffMs);
    }
  }
}

/** What a created or matched resource can answer a Ref with. */
export interface ResolvedResource {
  readonly arn: string;
  readonly dnsName?: string;
  readonly groupId?: string;
}

/** Replaces every Ref in `value` by the field it names; throws on an Unknown or an unresolvable Ref. */
export function resolveRefs<T>(value: T, lookup: (ref: Ref) => string | undefined, resource: string): Resolved<T> {
  const walk = (v: unknown): unknown => {
    if (isRef(v)) {
      const hit = lookup(v);
      if (hit === undefined) {
        throw new ApplyError('UnresolvedRef', `${resource}: ${v.$ref.kind}/${v.$ref.id}.${v.field} is not known yet (is the plan out of order?)`, { resource });
      }
      return hit;
    }
    if (isUnknown(v)) throw new ApplyError('IncompletePlan', `${resource}: value still unknown (${v.$unknown})`, { resource });
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as Resolved<T>;
}

/** A spec type with every Ref / Unknown replaced by the string it stands for. */
export type Resolved<T> = T extends { readonly $unknown: string }
  ? never
  : T extends { readonly $ref: unknown }
  ? string
  : T extends readonly (infer U)[]
    ? readonly Resolved<U>[]
    : T extends object
      ? { readonly [K in keyof T]: Resolved<T[K]> }
      : T;

/** Lists Unknown placeholders anywhere in a value (their `$unknown` texts). */
export function findUnknowns(value: unknown, out: string[] = []): string[] {
  if (isUnknown(value)) out.push(value.$unknown);
  else if (Array.isArray(value)) value.forEach((v) => findUnknowns(v, out));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((v) => findUnknowns(v, out));
  return out;
}

const canonical = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, canonical(x)]));
  }
  return v;
};

/**
 * Whether an update touches `path`. The plan's `fields` decide when present (the planner compared with
 * AWS's defaults and orderings in mind); otherwise `fallback` compares before and after.
 */
export type Differs = (path: string, fallback: () => boolean) => boolean;

export const differsFor = (fields: readonly string[] | undefined): Differs => (path, fallback) =>
  fields ? fields.some((f) => f === path || f.startsWith(`${path}.`) || f.startsWith(`${path}[`)) : fallback();

/** Structural equality; key order and undefined-valued keys do not matter, array order does. */
export const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Equality of arrays whose order AWS does not keep. */
export const sameSet = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  sameValue([...(a ?? [])].sort(), [...(b ?? [])].sort());

export interface TagDiff {
  readonly add: Record<string, string>;
  readonly remove: string[];
}

/** Tags to add and keys to remove; never touches ignored keys nor the cluster tag (IAM forbids setting it after create). */
export function diffTags(current: Tags | undefined, desired: Tags | undefined, clusterName: string, externalManaged: readonly string[] = []): TagDiff {
  const cur = current ?? {};
  const want = desired ?? {};
  const skip = (k: string): boolean => k === TAG_CLUSTER || isIgnoredTagKey(k, clusterName, externalManaged);
  const add = Object.fromEntries(Object.entries(want).filter(([k, v]) => !skip(k) && cur[k] !== v));
  const remove = Object.keys(cur).filter((k) => !skip(k) && !(k in want));
  return { add, remove };
}

export const isEmptyTagDiff = (d: TagDiff): boolean => Object.keys(d.add).length === 0 && d.remove.length === 0;

export const toSdkTags = (tags: Tags | undefined): { Key: string; Value: string }[] =>
  Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));

export const fromSdkTags = (tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']));

/**
 * Refuses to touch a resource this cluster does not own, by the same predicate observe uses (model/tags.ts
 * isOwnedBy): `elbv2.k8s.aws/cluster=<cluster>` plus a stack tag. A resource tagged only with the v1
 * controller's `ingress.k8s.aws/cluster` is not ours (IAM would refuse the call anyway).
 */
export function assertOwned(tags: Tags | undefined, clusterName: string, resource: string, what: string): void {
  if (isOwnedBy(tags, clusterName)) return;
  const found = tags?.[TAG_CLUSTER];
  const why = found !== clusterName
    ? `tag ${TAG_CLUSTER} is ${found === undefined ? 'absent' : `"${found}"`}, not "${clusterName}"`
      + (found === undefined && tags?.[LEGACY_TAG_INGRESS_CLUSTER] === clusterName ? ` (only the v1 tag ${LEGACY_TAG_INGRESS_CLUSTER} is set; add ${TAG_CLUSTER}=${clusterName} to hand it over)` : '')
    : `it carries no ${TAG_INGRESS_STACK} or ${TAG_SERVICE_STACK} tag`;
  throw new ApplyError('NotOwned', `${resource}: refusing to ${what}: ${why}`, { resource });
}

/** For adoption: the found resource must carry this cluster's and this stack's tags (and, if present, this resource ID). */
export function assertAdoptable(found: Tags, clusterName: string, stackId: string, resourceId: string, resource: string): void {
  assertOwned(found, clusterName, resource, 'adopt an existing resource of the same name');
  const stack = found[TAG_INGRESS_STACK] ?? found[TAG_SERVICE_STACK];
  if (stack !== stackId) {
    throw new ApplyError('NotOwned', `${resource}: refusing to adopt an existing resource of the same name: it belongs to stack "${stack ?? '(none)'}", not "${stackId}"`, { resource });
  }
  const rid = found[TAG_INGRESS_RESOURCE] ?? found[TAG_SERVICE_RESOURCE];
  if (rid !== undefined && rid !== resourceId) {
    throw new ApplyError('NotOwned', `${resource}: refusing to adopt an existing resource of the same name: it is resource "${rid}" of this stack`, { resource });
  }
}
