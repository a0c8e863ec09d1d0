// Status write-back: status.loadBalancer of an Ingress (the ALB's DNS name and listener ports) or a Service (the
// NLB's), the reconcile-status signal that GitOps tools read (docs/adr/0002-error-status-on-ingress.md; Services
// carry it as service.k8s.aws/status), pod readiness-gate conditions, and the status of TargetGroupBindings.
// Every writer reads the current value first and writes nothing when it already matches.
import { systemClock, type Clock } from './clock.ts';
import { isConflict, isInvalid, isNotFound, type ResourceClient } from './client.ts';
import type { BindingCondition, Ingress, KubeObject, ObjectOf, Pod, ResourceKey, TargetGroupBinding, TargetGroupBindingStatus } from './types.ts';

export interface PortStatus {
  readonly port: number;
  readonly protocol?: string;
  /** a reason code, CamelCase with an optional domain prefix, as the API documents it */
  readonly error?: string;
}

export interface LoadBalancerIngressEntry {
  readonly hostname?: string;
  readonly ip?: string;
  readonly ports?: readonly PortStatus[];
}

/** the error string placed on ports[].error: a domain-prefixed reason code, e.g. ingress.k8s.aws/FailedDeployModel */
export const portError = (reason: string, domain = 'ingress.k8s.aws'): string => `${domain}/${reason}`;

/** one entry for a load balancer: lower-cased DNS name, ports sorted and de-duplicated, optional error on each */
export function loadBalancerEntry(dnsName: string, ports: readonly number[], opts: { readonly protocol?: string; readonly error?: string } = {}): LoadBalancerIngressEntry {
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  return {
    hostname: dnsName.toLowerCase(),
    ports: unique.map((port) => ({ port, ...(opts.protocol ? { protocol: opts.protocol } : {}), ...(opts.error ? { error: opts.error } : {}) })),
  };
}

/** the same entries with every port's error set (or cleared when error is undefined) */
export function withPortError(entries: readonly LoadBalancerIngressEntry[], error: string | undefined): LoadBalancerIngressEntry[] {
  return entries.map((e) => ({
    ...e,
    ...(e.ports ? { ports: e.ports.map(({ error: _old, ...p }) => (error ? { ...p, error } : p)) } : {}),
  }));
}

const normalEntries = (entries: readonly LoadBalancerIngressEntry[] | undefined): string => JSON.stringify(
  (entries ?? []).map((e) => ({
    hostname: e.hostname ?? '', ip: e.ip ?? '',
    ports: [...(e.ports ?? [])].map((p) => ({ port: p.port, protocol: p.protocol ?? '', error: p.error ?? '' })).sort((a, b) => a.port - b.port),
  })),
);

export function sameLoadBalancerStatus(a: readonly LoadBalancerIngressEntry[] | undefined, b: readonly LoadBalancerIngressEntry[] | undefined): boolean {
  return normalEntries(a) === normalEntries(b);
}

/** merge-patches status.loadBalancer.ingress of an Ingress or a Service when it differs; returns whether it wrote */
export async function updateLoadBalancerStatus<K extends 'ingress' | 'service'>(client: ResourceClient<K>, obj: ObjectOf<K>, entries: readonly LoadBalancerIngressEntry[]): Promise<boolean> {
  const current = obj.status?.loadBalancer?.ingress as readonly LoadBalancerIngressEntry[] | undefined;
  if (sameLoadBalancerStatus(current, entries)) return false;
  const meta = obj.metadata ?? {};
  await client.mergePatch(meta.name ?? '', meta.namespace, { status: { loadBalancer: { ingress: entries.length ? entries : null } } }, 'status');
  return true;
}

/**
 * Removes an Ingress's load-balancer status only while it still shows this hostname. A group that an Ingress
 * left must not erase what the group it joined has written meanwhile; the JSON-patch test makes the check and
 * the removal one atomic step. Returns whether the status was removed.
 */
export async function clearLoadBalancerStatusIfShowing(ingresses: ResourceClient<'ingress'>, ingress: Ingress, hostname: string): Promise<boolean> {
  const meta = ingress.metadata ?? {};
  try {
    await ingresses.jsonPatch(meta.name ?? '', meta.namespace, [
      { op: 'test', path: '/status/loadBalancer/ingress/0/hostname', value: hostname.toLowerCase() },
      { op: 'remove', path: '/status/loadBalancer/ingress' },
    ], 'status');
    return true;
  } catch (err) {
    // a failed test (another hostname, or no status at all) is refused as an invalid patch
    if (isInvalid(err) || isConflict(err) || isNotFound(err)) return false;
    throw err;
  }
}

/** the annotation holding the last reconcile outcome as JSON (see ReconcileStatus) */
export const RECONCILE_STATUS_ANNOTATION = 'ingress.k8s.aws/status';
/** the same signal on a Service */
export const SERVICE_RECONCILE_STATUS_ANNOTATION = 'service.k8s.aws/status';

/** what a GitOps health check reads: healthy iff reason is SuccessfullyReconciled and observedGeneration = metadata.generation */
export interface ReconcileStatus {
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
  /** when reason last changed (RFC 3339) */
  readonly lastTransitionTime: string;
}

export function readReconcileStatus(obj: KubeObject, annotation = RECONCILE_STATUS_ANNOTATION): ReconcileStatus | undefined {
  const raw = obj.metadata?.annotations?.[annotation];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<ReconcileStatus>;
    return typeof v.reason === 'string' ? { reason: v.reason, message: v.message ?? '', observedGeneration: v.observedGeneration ?? 0, lastTransitionTime: v.lastTransitionTime ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** writes the reconcile-status annotation when reason, message or generation changed; returns whether it wrote */
export async function writeReconcileStatus<K extends 'ingress' | 'service'>(
  client: ResourceClient<K>, obj: ObjectOf<K>, outcome: { readonly reason: string; readonly message: string }, clock: Clock = systemClock,
  annotation = RECONCILE_STATUS_ANNOTATION,
): Promise<boolean> {
  const meta = obj.metadata ?? {};
  const generation = meta.generation ?? 0;
  const prev = readReconcileStatus(obj, annotation);
  if (prev && prev.reason === outcome.reason && prev.message === outcome.message && prev.observedGeneration === generation) return false;
  const next: ReconcileStatus = {
    reason: outcome.reason,
    message: outcome.message,
    observedGeneration: generation,
    lastTransitionTime: prev && prev.reason === outcome.reason ? prev.lastTransitionTime : new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  await client.mergePatch(meta.name ?? '', meta.namespace, { metadata: { annotations: { [annotation]: JSON.stringify(next) } } });
  return true;
}

/**
 * An IngressGroup's checkpoint (ADR 0013): the hash its last successful reconcile converged to, kept on the
 * group's first member so that a restarted controller need not read an unchanged stack in full. Only the first
 * member carries it; the controller removes it from the others, and before an apply that changes anything.
 */
export const CHECKPOINT_ANNOTATION = 'ingress.k8s.aws/checkpoint';

/**
 * A TargetGroupBinding's checkpoint, under upstream's annotation keys (the value is this controller's own hash,
 * so upstream and this controller never take each other's for a match): the targets its last reconcile left
 * registered. Removed before any registration changes.
 */
export const TGB_CHECKPOINT_ANNOTATION = 'elbv2.k8s.aws/checkpoint';
export const TGB_CHECKPOINT_TIMESTAMP_ANNOTATION = 'elbv2.k8s.aws/checkpoint-timestamp';

/** the controller's own annotations: writing them is never a change a reconcile reacts to */
export const CONTROLLER_ANNOTATIONS: readonly string[] = [RECONCILE_STATUS_ANNOTATION, CHECKPOINT_ANNOTATION, TGB_CHECKPOINT_ANNOTATION, TGB_CHECKPOINT_TIMESTAMP_ANNOTATION];

/** merge-patches annotations (null removes one) where they differ from the object's; returns whether it wrote */
export async function patchAnnotations<K extends ResourceKey>(client: ResourceClient<K>, obj: ObjectOf<K>, values: Readonly<Record<string, string | null>>): Promise<boolean> {
  const current = obj.metadata?.annotations ?? {};
  const changed = Object.entries(values).filter(([k, v]) => (v === null ? k in current : current[k] !== v));
  if (changed.length === 0) return false;
  const meta = obj.metadata ?? {};
  await client.mergePatch(meta.name ?? '', meta.namespace, { metadata: { annotations: Object.fromEntries(changed) } });
  return true;
}

/** the object's annotations without the controller's own */
export function userAnnotations(obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = { ...(obj.metadata?.annotations ?? {}) };
  for (const k of CONTROLLER_ANNOTATIONS) delete out[k];
  return out;
}

/**
 * true when an update changed something a reconcile must react to, i.e. more than status, resourceVersion,
 * managedFields or the controller's own annotations. Use it to keep status writes from re-queueing.
 */
type AnyObject = KubeObject & { readonly [field: string]: unknown };

export function changedBeyondStatus(old: AnyObject, next: AnyObject, annotation = RECONCILE_STATUS_ANNOTATION): boolean {
  const strip = (o: AnyObject): string => {
    const { status: _s, metadata, ...rest } = o;
    const { resourceVersion: _rv, managedFields: _mf, annotations: _a, ...meta } = metadata ?? {};
    const { [annotation]: _own, ...others } = userAnnotations(o);
    return stableStringify({ ...rest, metadata: { ...meta, annotations: others } });
  };
  return strip(old) !== strip(next);
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export interface PodCondition {
  /** e.g. target-health.elbv2.k8s.aws/<tgb name> */
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
}

/** sets one pod status condition (strategic merge by type, so kubelet's conditions are untouched); returns whether it wrote */
export async function setPodCondition(pods: ResourceClient<'pod'>, pod: Pod, condition: PodCondition, clock: Clock = systemClock): Promise<boolean> {
  const existing = pod.status?.conditions?.find((c) => c.type === condition.type);
  if (existing && existing.status === condition.status && (existing.reason ?? '') === (condition.reason ?? '') && (existing.message ?? '') === (condition.message ?? '')) {
    return false;
  }
  const now = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const lastTransitionTime = existing && existing.status === condition.status && existing.lastTransitionTime ? existing.lastTransitionTime : now;
  const meta = pod.metadata ?? {};
  await pods.strategicPatch(meta.name ?? '', meta.namespace, {
    status: { conditions: [{ type: condition.type, status: condition.status, reason: condition.reason ?? null, message: condition.message ?? null, lastProbeTime: null, lastTransitionTime }] },
  }, 'status');
  return true;
}

/**
 * the status of a TargetGroupBinding: the recorded target group (left as it is when not given), observedGeneration
 * and one condition by type (lastTransitionTime kept while its status holds; other conditions kept). One merge patch
 * of the status subresource, only when something changes. Returns false when a given targetGroupARN did not stick
 * (a CRD without the field prunes it), true when written, undefined when nothing changed.
 */
export async function setBindingStatus(
  bindings: ResourceClient<'targetGroupBinding'>, tgb: TargetGroupBinding,
  next: { readonly targetGroupARN?: string; readonly condition: Omit<BindingCondition, 'lastTransitionTime' | 'observedGeneration'> },
  clock: Clock = systemClock,
): Promise<boolean | undefined> {
  const current = tgb.status ?? {};
  const generation = tgb.metadata?.generation;
  const existing = current.conditions?.find((c) => c.type === next.condition.type);
  const sameCondition = existing !== undefined && existing.status === next.condition.status && existing.reason === next.condition.reason
    && existing.message === next.condition.message && existing.observedGeneration === generation;
  const arn = next.targetGroupARN ?? current.targetGroupARN;
  if (sameCondition && arn === current.targetGroupARN && current.observedGeneration === generation) return undefined;
  const now = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const condition: BindingCondition = {
    ...next.condition,
    lastTransitionTime: existing && existing.status === next.condition.status ? existing.lastTransitionTime : now,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  const status: TargetGroupBindingStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...(arn ? { targetGroupARN: arn } : {}),
    conditions: [...(current.conditions ?? []).filter((c) => c.type !== condition.type), condition],
  };
  const meta = tgb.metadata ?? {};
  const written = await bindings.mergePatch(meta.name ?? '', meta.namespace, { status }, 'status');
  return next.targetGroupARN === undefined || written?.status?.targetGroupARN === next.targetGroupARN;
}
