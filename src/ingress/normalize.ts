// Shape check of the builder's input, done once at each entry point. Kubernetes objects reach the
// builder as plain data (from the API server, from manifests, from tests) and may be of the wrong
// shape: an object where an array goes, a string where a list goes, a missing spec. Here every field
// the builder reads is checked against its expected type; a wrong one is dropped from a copy and
// recorded as a Problem on that copy, so nothing downstream can throw on it. The builder turns an
// Ingress's own Problems into Issues on that Ingress, and the Problems of a Service, IngressClass or
// IngressClassParams into Issues on each Ingress that uses it. `null` counts as "not set" (as for
// Kubernetes' own decoding); unknown fields are kept as they are.
import type { V1Ingress, V1IngressClass, V1Namespace, V1Service } from '@kubernetes/client-node';
import { runSteps, type Issue, type Steps } from '../model/index.ts';
import { show } from './annotations/values.ts';
import { paramsValueProblems } from './class-params.ts';
import { type IngressClassParamsObject, type Snapshot, ingressRef, issue } from './snapshot.ts';

/** one wrongly shaped field: its path inside the object and what was expected there */
export interface Problem {
  readonly field: string;
  readonly reason: string;
}

const BAD: unique symbol = Symbol('bad');
type Out = unknown;
/** checks `v` (found at `path`); returns the cleaned value, or BAD to drop it (after recording why) */
type Norm = (v: unknown, path: string, problems: Problem[]) => Out;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string): string => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return path === '' ? k : k.startsWith('[') ? `${path}${k}` : `${path}.${k}`;
};
const bad = (problems: Problem[], field: string, expected: string, got: unknown): typeof BAD => {
  problems.push({ field, reason: `expected ${expected}, got ${show(got)}` });
  return BAD;
};

const str: Norm = (v, path, ps) => (typeof v === 'string' ? v : bad(ps, path, 'a string', v));
const int: Norm = (v, path, ps) => (typeof v === 'number' && Number.isInteger(v) ? v : bad(ps, path, 'an integer', v));
const intOrString: Norm = (v, path, ps) => (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)) ? v : bad(ps, path, 'an integer or a string', v));
const oneOf = (...values: string[]): Norm => (v, path, ps) =>
  (typeof v === 'string' && values.includes(v) ? v : bad(ps, path, `one of ${values.join(', ')}`, v));

const arrayOf = (item: Norm): Norm => (v, path, ps) => {
  if (!Array.isArray(v)) return bad(ps, path, 'an array', v);
  const out: unknown[] = [];
  v.forEach((x, i) => {
    const r = item(x, `${path}[${i}]`, ps);
    if (r !== BAD) out.push(r);
  });
  return out;
};

/** an object whose every value has shape `value` (labels, annotations) */
const mapOf = (value: Norm): Norm => (v, path, ps) => {
  if (!isObject(v)) return bad(ps, path, 'an object', v);
  const out: [string, unknown][] = [];
  for (const [k, x] of Object.entries(v)) {
    const r = value(x, join(path, k), ps);
    if (r !== BAD) out.push([k, r]);
  }
  return Object.fromEntries(out);
};

/** an object with known fields (checked when set; `required` ones must be set) and any other fields kept */
const obj = (fields: Readonly<Record<string, Norm>>, required: readonly string[] = []): Norm => (v, path, ps) => {
  if (!isObject(v)) return bad(ps, path, 'an object', v);
  for (const k of required) if (v[k] === undefined || v[k] === null) return bad(ps, join(path, k), 'a value', v[k]);
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(v));
  for (const [k, norm] of Object.entries(fields)) {
    if (!Object.hasOwn(out, k)) continue;
    const x = out[k];
    if (x === undefined || x === null) { delete out[k]; continue; }
    const r = norm(x, join(path, k), ps);
    if (r === BAD) delete out[k];
    else out[k] = r;
  }
  return out;
};

const backend = obj({
  service: obj({ name: str, port: obj({ name: str, number: int }) }, ['name']),
  resource: obj({ apiGroup: str, kind: str, name: str }),
});
const metadata = (extra: Readonly<Record<string, Norm>> = {}): Norm => obj({ name: str, namespace: str, uid: str, annotations: mapOf(str), labels: mapOf(str), ...extra });

const INGRESS = obj({
  metadata: metadata({ finalizers: arrayOf(str) }),
  spec: obj({
    ingressClassName: str,
    defaultBackend: backend,
    rules: arrayOf(obj({ host: str, http: obj({ paths: arrayOf(obj({ path: str, pathType: str, backend })) }) })),
    tls: arrayOf(obj({ hosts: arrayOf(str), secretName: str })),
  }),
});

const SERVICE = obj({
  metadata: metadata(),
  spec: obj({ type: str, ipFamilies: arrayOf(str), ports: arrayOf(obj({ name: str, port: int, nodePort: int, targetPort: intOrString, protocol: str }, ['port'])) }),
});

const INGRESS_CLASS = obj({
  metadata: metadata(),
  spec: obj({ controller: str, parameters: obj({ apiGroup: str, kind: str, name: str, namespace: str, scope: str }, ['kind', 'name']) }),
});

const NAMESPACE = obj({ metadata: metadata() });

const keyValues = arrayOf(obj({ key: str, value: str }, ['key', 'value']));
const PARAMS_SPEC = obj({
  loadBalancerName: str,
  namespaceSelector: obj({
    matchLabels: mapOf(str),
    matchExpressions: arrayOf(obj({ key: str, operator: oneOf('In', 'NotIn', 'Exists', 'DoesNotExist'), values: arrayOf(str) }, ['key', 'operator'])),
  }),
  group: obj({ name: str }, ['name']),
  scheme: oneOf('internal', 'internet-facing'),
  ipAddressType: oneOf('ipv4', 'dualstack', 'dualstack-without-public-ipv4'),
  subnets: obj({ ids: arrayOf(str), tags: mapOf(arrayOf(str)) }),
  inboundCIDRs: arrayOf(str),
  prefixListsIDs: arrayOf(str),
  PrefixListsIDs: arrayOf(str),
  certificateArn: arrayOf(str),
  sslPolicy: str,
  sslRedirectPort: str,
  targetType: oneOf('instance', 'ip'),
  tags: keyValues,
  loadBalancerAttributes: keyValues,
  listeners: arrayOf(obj({ protocol: str, port: int, listenerAttributes: keyValues })),
  minimumLoadBalancerCapacity: obj({ capacityUnits: int }),
  ipamConfiguration: obj({ ipv4IPAMPoolId: str }),
  wafv2AclArn: str,
  wafv2AclName: str,
});

// ---- the cleaned copies and their problems --------------------------------------------------

const problemsOf = new WeakMap<object, readonly Problem[]>();
const normalised = new WeakSet<object>();
const snapshots = new WeakMap<object, Snapshot>();
/**
 * The cleaned copy of each raw object, per shape: a raw object is checked once, not on every snapshot it is
 * part of (the controller builds a snapshot per event). Objects from informers and manifests are never
 * changed in place (an update replaces them), so the copy stays right.
 */
const cleanedBy = new Map<unknown, WeakMap<object, object | null>>();

/** the Problems recorded on a cleaned object (none for objects that were not cleaned here) */
export const problems = (o: object): readonly Problem[] => problemsOf.get(o) ?? [];

/** `norm(raw)` once per raw object; null = not usable */
function memo<T extends object>(raw: unknown, kind: unknown, make: () => T | undefined): T | undefined {
  if (!isObject(raw)) return make();
  if (normalised.has(raw)) return raw as T;
  let cache = cleanedBy.get(kind);
  if (!cache) cleanedBy.set(kind, (cache = new WeakMap()));
  const hit = cache.get(raw);
  if (hit !== undefined) return (hit ?? undefined) as T | undefined;
  const made = make();
  cache.set(raw, made ?? null);
  return made;
}

function clean<T extends object>(raw: unknown, norm: Norm): T | undefined {
  return memo(raw, norm, () => {
    const ps: Problem[] = [];
    const r = norm(raw, '', ps);
    if (r === BAD || !isObject(r)) return undefined;
    normalised.add(r);
    if (ps.length > 0) problemsOf.set(r, ps);
    return r as T;
  });
}

/**
 * An Ingress of the right shape; undefined when it is not an object at all, or has no name (nothing could
 * be reported on it: the API server never serves one, and `plan` refuses such a manifest first).
 */
export const normalizeIngress = (raw: unknown): V1Ingress | undefined => {
  const ing = clean<V1Ingress>(raw, INGRESS);
  return ing && typeof ing.metadata?.name === 'string' && ing.metadata.name !== '' ? ing : undefined;
};

const normalizeParams = (raw: unknown): IngressClassParamsObject | undefined => memo(raw, normalizeParams, () => cleanParams(raw));

function cleanParams(raw: unknown): IngressClassParamsObject | undefined {
  const ps: Problem[] = [];
  const o = obj({ metadata: metadata() }, ['metadata'])(raw, '', ps);
  // without a name it cannot be referenced by an IngressClass
  if (!isObject(o) || !isObject(o['metadata']) || typeof o['metadata']['name'] !== 'string') return undefined;
  const spec = o['spec'] === undefined || o['spec'] === null ? {} : PARAMS_SPEC(o['spec'], 'spec', ps);
  const out = { ...o, metadata: o['metadata'], spec: spec === BAD ? {} : spec } as unknown as IngressClassParamsObject;
  ps.push(...paramsValueProblems(out.spec));
  normalised.add(out);
  if (ps.length > 0) problemsOf.set(out, ps);
  return out;
}

/** the cleaned items of a list, one step per item */
function* list<T>(raw: unknown, each: (x: unknown) => T | undefined): Steps<T[]> {
  const out: T[] = [];
  for (const x of Array.isArray(raw) ? raw : []) {
    yield;
    const r = each(x);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/**
 * The snapshot with every object checked; objects that are not objects at all are left out.
 * The same (unchanged) snapshot object gives the same result, so entry points may call this freely.
 */
export const normalizeSnapshot = (raw: Snapshot): Snapshot => runSteps(normalizeSnapshotSteps(raw));

/** `normalizeSnapshot` as steps (src/model/steps.ts): one per object checked */
export function* normalizeSnapshotSteps(raw: Snapshot): Steps<Snapshot> {
  if (!isObject(raw)) return { ingresses: [], ingressClasses: [], ingressClassParams: [], services: [], namespaces: [] };
  if (normalised.has(raw)) return raw;
  const done = snapshots.get(raw);
  if (done) return done;
  const r = raw as unknown as Record<string, unknown>;
  const out: Snapshot = {
    ingresses: yield* list(r['ingresses'], normalizeIngress),
    ingressClasses: yield* list(r['ingressClasses'], (x) => clean<V1IngressClass>(x, INGRESS_CLASS)),
    ingressClassParams: yield* list(r['ingressClassParams'], normalizeParams),
    services: yield* list(r['services'], (x) => clean<V1Service>(x, SERVICE)),
    ...(r['namespaces'] === undefined ? {} : { namespaces: yield* list(r['namespaces'], (x) => clean<V1Namespace>(x, NAMESPACE)) }),
  };
  normalised.add(out);
  snapshots.set(raw, out);
  return out;
}

/** An Ingress's own shape problems, as Issues on it. */
export const ingressShapeIssues = (ing: V1Ingress): Issue[] =>
  problems(ing).map((p) => issue(ingressRef(ing), p.field, p.field.startsWith('metadata') ? 'InvalidMetadata' : 'InvalidSpec', p.reason));

/** Problems of another object, told on the Ingress that uses it: field `<what>.<path>`. */
export const usedObjectIssues = (ing: V1Ingress, o: object, what: string, code: string): Issue[] =>
  problems(o).map((p) => issue(ingressRef(ing), `${what}.${p.field}`, code, `${what}: ${p.field}: ${p.reason}`));
