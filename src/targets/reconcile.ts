// One target group's registrations: desired targets against DescribeTargetHealth, then
// RegisterTargets / DeregisterTargets in batches. Targets AWS is draining are left out before matching,
// so a pod IP that comes back is registered again rather than taken for present.
import {
  DeregisterTargetsCommand, DescribeTargetHealthCommand, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElasticLoadBalancingV2Client, TargetDescription, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';

export interface DesiredTarget {
  /** pod IP (ip mode) or instance ID (instance mode) */
  readonly id: string;
  readonly port: number;
  /** "all" for an IP outside the VPC */
  readonly availabilityZone?: string;
}

export interface TargetHealthReport {
  readonly id: string;
  readonly port: number;
  /** AWS's state ("initial", "healthy", "unhealthy", …); absent for a target registered by this call */
  readonly state?: string;
  readonly reason?: string;
  readonly description?: string;
}

export interface ReconcileTargetsInput {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly targetGroupArn: string;
  readonly desired: readonly DesiredTarget[];
  /** targets per Register/Deregister call; AWS's documented limit is higher, upstream uses 200 */
  readonly batchSize?: number;
  /**
   * what is registered, when the caller knows it (its checkpoint says its last reconcile left exactly these): no
   * DescribeTargetHealth is made, and no health is reported
   */
  readonly registered?: readonly DesiredTarget[];
  /**
   * multi-cluster target groups: only targets whose key ("id:port") is in this set are deregistered; the others
   * (another cluster's, or registered by hand) are left alone. Absent: every target not desired is deregistered.
   */
  readonly deregisterOnly?: ReadonlySet<string>;
  /** runs once before the first Register/Deregister call, if there is one (a caller drops its checkpoint there) */
  readonly beforeWrite?: () => Promise<void>;
}

export interface ReconcileTargetsResult {
  readonly registered: number;
  readonly deregistered: number;
  /** one entry per desired target, in the order given (for readiness gates) */
  readonly health: readonly TargetHealthReport[];
}

export const TARGET_BATCH_SIZE = 200;

const DRAINING = new Set(['draining', 'unhealthy.draining']);

/** "id:port", also upstream's identifier of a target in a multi-cluster ConfigMap */
export const targetKey = (t: { id: string; port: number }): string => `${t.id}:${t.port}`;

export async function reconcileTargets(input: ReconcileTargetsInput): Promise<ReconcileTargetsResult> {
  const { elbv2, targetGroupArn } = input;
  const size = input.batchSize ?? TARGET_BATCH_SIZE;
  const described = input.registered
    ? input.registered.map((t): TargetHealthDescription => ({ Target: toSdkTarget(t) }))
    : (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions;
  const current = new Map<string, TargetHealthDescription>();
  for (const d of described ?? []) {
    const id = d.Target?.Id;
    if (!id || DRAINING.has(d.TargetHealth?.State ?? '')) continue;
    current.set(targetKey({ id, port: d.Target?.Port ?? 0 }), d);
  }
  const desired = dedupe(input.desired);
  const wanted = new Set(desired.map(targetKey));
  const toRegister = desired.filter((t) => !current.has(targetKey(t)));
  const mayDeregister = (k: string): boolean => !wanted.has(k) && (input.deregisterOnly?.has(k) ?? true);
  const toDeregister = [...current.entries()].filter(([k]) => mayDeregister(k)).map(([, d]) => d.Target as TargetDescription);

  if (toRegister.length + toDeregister.length > 0) await input.beforeWrite?.();
  for (const batch of chunks(toRegister.map(toSdkTarget), size)) {
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: batch }));
  }
  for (const batch of chunks(toDeregister.map((t) => ({ Id: t.Id, Port: t.Port })), size)) {
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: batch }));
  }
  const health = desired.map((t): TargetHealthReport => {
    const h = current.get(targetKey(t))?.TargetHealth;
    return {
      id: t.id, port: t.port,
      ...(h?.State ? { state: h.State } : {}),
      ...(h?.Reason ? { reason: h.Reason } : {}),
      ...(h?.Description ? { description: h.Description } : {}),
    };
  });
  return { registered: toRegister.length, deregistered: toDeregister.length, health };
}

const toSdkTarget = (t: DesiredTarget): TargetDescription => ({
  Id: t.id, Port: t.port, ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
});

function dedupe(targets: readonly DesiredTarget[]): DesiredTarget[] {
  const seen = new Map<string, DesiredTarget>();
  for (const t of targets) if (!seen.has(targetKey(t))) seen.set(targetKey(t), t);
  return [...seen.values()];
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError(`batch size must be at least 1 (got ${size})`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
