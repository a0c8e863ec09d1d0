// The TargetGroupBinding loop, the fast path: key = "namespace/name" of a binding. EndpointSlice, Pod, Node and
// Service changes map to the bindings they affect (bursts collapse in the queue); a reconcile computes the
// desired targets from the caches and registers / deregisters the difference in batches. It never reads or
// writes the load balancer, its listeners or rules. Also: finalizer elbv2.k8s.aws/resources (targets are
// deregistered before a binding goes) and pod readiness-gate conditions from target health.
// A binding with multiClusterTargetGroup is refused (Warning Event, no AWS call) until target ownership is tracked:
// reconciling it would deregister the targets other clusters registered in the same target group.
import { createHash } from 'node:crypto';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isAwsError, toAwsError } from '../aws/errors.ts';
import type { EventRecorder } from '../k8s/events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../k8s/finalizers.ts';
import type { Informers } from '../k8s/informer.ts';
import type { KubeClients } from '../k8s/client.ts';
import type { QueueItem, ReconcileResult, WorkQueue } from '../k8s/queue.ts';
import { setPodCondition } from '../k8s/status.ts';
import { objectKey, type EndpointSlice, type Node, type Pod, type Service, type TargetGroupBinding } from '../k8s/types.ts';
import { FINALIZER_TARGET_GROUP_BINDING } from '../model/tags.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import type { ControllerMetrics } from '../server/metrics.ts';
import { instanceTargets, ipTargets, type DesiredTarget, type DesiredTargets, type IpTargetsInput, type NetworkingBinding, reconcileTargets, type TargetHealthReport } from '../targets/index.ts';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { NetworkingSync, type NetworkingSyncDeps } from './networking-sync.ts';

/** the readiness-gate condition type of a binding, as upstream */
export const READINESS_GATE_PREFIX = 'target-health.elbv2.k8s.aws/';
export const readinessGateType = (tgbName: string): string => `${READINESS_GATE_PREFIX}${tgbName}`;
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface TargetGroupBindingDeps {
  readonly informers: Informers;
  readonly kube: KubeClients;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly events: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  /** VPC CIDRs: an IP outside them is registered with AvailabilityZone "all" */
  readonly vpcCidrs?: () => readonly string[] | undefined;
  /** feature gate EndpointsFailOpen (default true): with no ready target, register those on nodes whose readiness is Unknown */
  readonly endpointsFailOpen?: boolean;
  /** how soon to look again while a gated pod's target is not yet healthy (5 s) */
  readonly readinessRequeueMs?: number;
  /** keep node/pod security-group rules from the bindings' networking; off when absent */
  readonly networking?: { readonly ec2: EC2Client; readonly clusterName: string; readonly vpcId?: string }
    & Partial<Pick<NetworkingSyncDeps, 'debounceMs' | 'retryMs' | 'reconcile'>>;
}

/** whether a pod counts as a target although its endpoint is not ready: only its readiness gates hold it back */
export function podReadyButForGates(pod: Pod | undefined, nodeReady: (name: string) => string | undefined): boolean {
  if (!pod || pod.metadata?.deletionTimestamp) return false;
  const containersReady = pod.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status === 'True';
  return containersReady && (!pod.spec?.nodeName || nodeReady(pod.spec.nodeName) === 'True');
}

/** the endpoint slices with endpoints held back only by readiness gates marked ready (so their targets get registered) */
export function withGatedEndpointsReady(slices: readonly EndpointSlice[], podOf: (ns: string, name: string) => Pod | undefined, nodeReady: (name: string) => string | undefined): EndpointSlice[] {
  return slices.map((s) => ({
    ...s,
    endpoints: (s.endpoints ?? []).map((ep) => {
      if (ep.conditions?.ready !== false || ep.conditions?.terminating === true || ep.targetRef?.kind !== 'Pod') return ep;
      const pod = podOf(ep.targetRef.namespace ?? s.metadata?.namespace ?? '', ep.targetRef.name ?? '');
      return podReadyButForGates(pod, nodeReady) ? { ...ep, conditions: { ...ep.conditions, ready: true } } : ep;
    }),
  }));
}

/**
 * ip targets: ready endpoints, and those held back only by readiness gates. With none and `failOpen`
 * (EndpointsFailOpen), also those whose containers are ready on nodes whose readiness is Unknown, as upstream.
 */
export function ipTargetsFailingOpen(
  input: Omit<IpTargetsInput, 'endpointSlices'>, slices: readonly EndpointSlice[], podOf: (ns: string, name: string) => Pod | undefined,
  nodeReady: (name: string) => string | undefined, failOpen: boolean,
): DesiredTargets {
  const ready = ipTargets({ ...input, endpointSlices: withGatedEndpointsReady(slices, podOf, nodeReady) as unknown as V1EndpointSlice[] });
  if (ready.targets.length > 0 || ready.problem || !failOpen) return ready;
  const unknownAsReady = (name: string): string | undefined => (nodeReady(name) === 'Unknown' ? 'True' : nodeReady(name));
  return ipTargets({ ...input, endpointSlices: withGatedEndpointsReady(slices, podOf, unknownAsReady) as unknown as V1EndpointSlice[] });
}

/** the pod condition a target's health gives: True healthy, False any other known state, Unknown not yet seen */
export function gateCondition(type: string, health: TargetHealthReport | undefined): { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string } {
  if (!health?.state) return { type, status: 'Unknown', reason: 'Elb.RegistrationInProgress', message: 'Target registration is in progress' };
  if (health.state === 'healthy') return { type, status: 'True', reason: 'Elb.Healthy', message: 'Target is healthy' };
  return { type, status: 'False', ...(health.reason ? { reason: health.reason } : {}), ...(health.description ? { message: health.description } : {}) };
}

const checkpointOf = (arn: string, targets: readonly DesiredTarget[], networking: unknown): string =>
  createHash('sha256').update(JSON.stringify([arn, targets, networking ?? null])).digest('hex');

const hasNetworkingRules = (t: TargetGroupBinding): boolean => (t.spec.networking?.ingress?.length ?? 0) > 0;

/** the field that makes a binding refused, named in its Event */
export const MULTI_CLUSTER_FIELD = 'spec.multiClusterTargetGroup';
const multiClusterMessage = `${MULTI_CLUSTER_FIELD}: true is not supported yet (targets registered by other clusters would be deregistered); `
  + 'this binding is left alone: no target is registered or deregistered and no security group rule is kept for it';

/** an error as an Event shows it: "<AWS code>: <message>" for AWS errors, the message otherwise */
export function failureMessage(err: unknown): string {
  if (isAwsError(err)) return err.message;
  const sdkLike = typeof err === 'object' && err !== null && ('$metadata' in err || 'Code' in err || '$fault' in err);
  return sdkLike ? toAwsError(err).message : errorMessage(err);
}

/** errors that, while a binding is being deleted, mean nothing is registered: the target group is gone, or its ARN is malformed */
export function meansNothingRegistered(err: unknown): boolean {
  const e = toAwsError(err);
  return e.code === 'NotFound' || e.awsCode === 'ValidationError';
}

export class TargetGroupBindingController {
  readonly #d: TargetGroupBindingDeps;
  readonly #log: Logger;
  /** key → checkpoint of the last reconcile that left every target in place and every gate settled */
  readonly #checkpoints = new Map<string, string>();
  readonly #networking: NetworkingSync | undefined;
  /** bindings whose networking rules the last pass request included: losing them (edit or delete) needs one more pass */
  readonly #hadNetworking = new Set<string>();
  /** whether a networking pass was asked for since start (the first catches rules left by bindings deleted meanwhile) */
  #networkingPrimed = false;

  constructor(deps: TargetGroupBindingDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ controller: 'targetGroupBinding' });
    this.#networking = deps.networking && new NetworkingSync({
      ...deps.networking,
      bindings: (except) => this.networkingBindings(except),
      report: (key, message) => {
        const tgb = deps.informers.targetGroupBindings.getByKey(key);
        if (tgb) void deps.events.warning(tgb, 'FailedNetworkReconcile', message);
      },
      log: this.#log,
    });
  }

  stop(): void {
    this.#networking?.stop();
  }

  /**
   * every live binding with networking rules (but those in `except`, and refused multi-cluster ones), with its
   * desired targets; named ports become the targets' ports
   */
  networkingBindings(except: ReadonlySet<string> = new Set()): NetworkingBinding[] {
    return this.#d.informers.targetGroupBindings.list()
      .filter((t) => !t.metadata?.deletionTimestamp && !except.has(objectKey(t)) && !t.spec.multiClusterTargetGroup && hasNetworkingRules(t))
      .map((t) => {
        const targets = this.#desired(t).targets;
        const targetPorts = [...new Set(targets.map((x) => x.port))];
        const ingress = (t.spec.networking?.ingress ?? []).map((rule) => ({
          ...rule,
          ports: (rule.ports ?? []).flatMap((p) => (typeof p.port === 'string' && !/^\d+$/.test(p.port) ? targetPorts.map((port) => ({ ...p, port })) : [p])),
        }));
        return { key: objectKey(t), targetType: t.spec.targetType ?? 'instance', networking: { ingress }, targets };
      });
  }

  allKeys(): string[] {
    return this.#d.informers.targetGroupBindings.list().map(objectKey).sort();
  }

  register(queue: WorkQueue): void {
    const i = this.#d.informers;
    const tgbs = i.targetGroupBindings;
    tgbs.addIndex('service', (t) => [`${t.metadata?.namespace ?? ''}/${t.spec?.serviceRef?.name ?? ''}`]);
    tgbs.addIndex('targetType', (t) => [t.spec?.targetType ?? 'instance']);
    const add = (keys: Iterable<string>): void => { for (const k of keys) queue.add(k, 'user'); };
    const forService = (ns: string, name: string): string[] => tgbs.byIndex('service', `${ns}/${name}`).map(objectKey);

    tgbs.addHandlers({
      add: (t) => add([objectKey(t)]),
      update: (t, old) => {
        const sig = (x: TargetGroupBinding): string => JSON.stringify([x.spec, x.metadata?.generation, x.metadata?.deletionTimestamp ?? null, x.metadata?.finalizers ?? []]);
        if (sig(t) !== sig(old)) add([objectKey(t)]);
      },
      delete: (t) => {
        const key = objectKey(t);
        this.#checkpoints.delete(key);
        // gone without our cleanup (finalizer removed by hand): its rules still go
        if (this.#hadNetworking.delete(key)) this.#networking?.request();
      },
    });
    const onService = (s: Service): void => add(forService(s.metadata?.namespace ?? '', s.metadata?.name ?? ''));
    i.services.addHandlers({
      add: onService,
      update: (s, old) => { if (JSON.stringify([s.spec, s.metadata?.uid]) !== JSON.stringify([old.spec, old.metadata?.uid])) onService(s); },
      delete: onService,
    });
    const onSlice = (s: EndpointSlice): void => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc) add(forService(s.metadata?.namespace ?? '', svc));
    };
    i.endpointSlices.addHandlers({
      add: onSlice,
      update: (s, old) => { if (JSON.stringify([s.endpoints, s.ports]) !== JSON.stringify([old.endpoints, old.ports])) onSlice(s); },
      delete: onSlice,
    });
    i.pods.addHandlers({
      update: (p, old) => {
        const sig = (x: Pod): string => JSON.stringify([
          x.status?.podIP, x.metadata?.deletionTimestamp ?? null, x.metadata?.labels,
          (x.status?.conditions ?? []).filter((c) => c.type === 'ContainersReady' || c.type === 'Ready' || c.type.startsWith(READINESS_GATE_PREFIX)).map((c) => [c.type, c.status]),
        ]);
        if (sig(p) !== sig(old)) add(this.#bindingsForPod(p));
      },
      add: (p) => { if ((p.spec?.readinessGates ?? []).some((g) => g.conditionType.startsWith(READINESS_GATE_PREFIX))) add(this.#bindingsForPod(p)); },
    });
    const instanceBindings = (): string[] => tgbs.byIndex('targetType', 'instance').map(objectKey);
    i.nodes.addHandlers({
      add: () => add(instanceBindings()),
      update: (n, old) => {
        const sig = (x: Node): string => JSON.stringify([x.metadata?.labels, x.spec?.taints, x.spec?.providerID, x.status?.conditions?.find((c) => c.type === 'Ready')?.status]);
        if (sig(n) !== sig(old)) add(instanceBindings());
      },
      delete: () => add(instanceBindings()),
    });
  }

  /** ip bindings in the pod's namespace whose Service selects it, and bindings named by its readiness gates */
  #bindingsForPod(pod: Pod): string[] {
    const ns = pod.metadata?.namespace ?? '';
    const labels = pod.metadata?.labels ?? {};
    const keys = new Set<string>();
    for (const g of pod.spec?.readinessGates ?? []) {
      if (g.conditionType.startsWith(READINESS_GATE_PREFIX)) keys.add(`${ns}/${g.conditionType.slice(READINESS_GATE_PREFIX.length)}`);
    }
    for (const t of this.#d.informers.targetGroupBindings.list(ns)) {
      if (t.spec?.targetType !== 'ip') continue;
      const selector = this.#d.informers.services.get(t.spec.serviceRef.name, ns)?.spec?.selector;
      if (selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v)) keys.add(objectKey(t));
    }
    return [...keys];
  }

  async reconcile(key: string, item?: QueueItem): Promise<ReconcileResult> {
    const cached = this.#d.informers.targetGroupBindings.getByKey(key);
    if (!cached) { this.#checkpoints.delete(key); return; }
    if (cached.metadata?.deletionTimestamp) return this.#cleanup(cached);
    if (cached.spec.multiClusterTargetGroup) return this.#refuseMultiCluster(key, cached);
    let tgb: TargetGroupBinding | undefined = cached;
    if (!hasFinalizer(tgb, FINALIZER_TARGET_GROUP_BINDING)) {
      tgb = await addFinalizer(this.#d.kube.targetGroupBindings, tgb, FINALIZER_TARGET_GROUP_BINDING);
      if (!tgb) return;
    }
    const arn = tgb.spec.targetGroupARN;
    if (!arn) {
      await this.#d.events.warning(tgb, 'InvalidTargetGroupBinding', 'spec.targetGroupARN is empty (resolving spec.targetGroupName is not supported yet)');
      return;
    }
    const desired = this.#desired(tgb);
    if (desired.problem) {
      this.#log.warn('cannot compute targets', { binding: key, problem: desired.problem });
      await this.#d.events.warning(tgb, 'BackendNotFound', desired.problem);
    }
    const checkpoint = checkpointOf(arn, desired.targets, tgb.spec.networking);
    // a user-driven change with nothing new for this binding costs no AWS call; the periodic resync always checks
    if (item?.priority !== 'resync' && this.#checkpoints.get(key) === checkpoint) return;
    this.#checkpoints.delete(key);
    let result: Awaited<ReturnType<typeof reconcileTargets>>;
    try {
      result = await reconcileTargets({ elbv2: this.#d.elbv2, targetGroupArn: arn, desired: desired.targets });
    } catch (err) {
      const message = `reconciling the targets of ${arn}: ${failureMessage(err)}`;
      this.#log.warn('targets not reconciled', { binding: key, error: message });
      await this.#d.events.warning(tgb, 'FailedReconcile', message);
      throw err;
    }
    if (result.registered) this.#d.metrics.targetChanges.inc({ operation: 'register' }, result.registered);
    if (result.deregistered) this.#d.metrics.targetChanges.inc({ operation: 'deregister' }, result.deregistered);
    if (result.registered || result.deregistered) {
      this.#log.info('targets reconciled', { binding: key, registered: result.registered, deregistered: result.deregistered, targets: desired.targets.length });
    }
    this.#requestNetworking(key, hasNetworkingRules(tgb), item?.priority === 'resync');
    const pending = await this.#updateGates(tgb, result.health);
    if (pending > 0) return { requeueAfterMs: this.#d.readinessRequeueMs ?? 5_000 };
    // the writes succeeded, so AWS now holds exactly the desired set: no confirming read is needed
    this.#checkpoints.set(key, checkpoint);
  }

  /**
   * a networking pass only when it can change something for this binding: it has rules, or just lost them.
   * The first reconcile after start and the periodic resync also ask (one shared pass), so rules of bindings
   * that went while the controller was away are revoked.
   */
  #requestNetworking(key: string, hasRules: boolean, resync: boolean): void {
    if (!this.#networking) return;
    const lost = !hasRules && this.#hadNetworking.delete(key);
    if (hasRules) this.#hadNetworking.add(key);
    if (hasRules || lost || resync || !this.#networkingPrimed) {
      this.#networkingPrimed = true;
      this.#networking.request();
    }
  }

  /** multiClusterTargetGroup: a Warning Event once per generation, no finalizer, no AWS call */
  async #refuseMultiCluster(key: string, tgb: TargetGroupBinding): Promise<ReconcileResult> {
    const mark = `refused:${tgb.metadata?.generation ?? ''}`;
    if (this.#checkpoints.get(key) === mark) return;
    this.#log.warn('binding refused', { binding: key, field: MULTI_CLUSTER_FIELD });
    await this.#d.events.warning(tgb, 'UnsupportedMultiClusterTargetGroup', multiClusterMessage);
    this.#checkpoints.set(key, mark);
    // had it rules before the field was set, they are no longer kept
    if (this.#hadNetworking.delete(key)) this.#networking?.request();
  }

  #desired(tgb: TargetGroupBinding): DesiredTargets {
    const i = this.#d.informers;
    const ns = tgb.metadata?.namespace ?? 'default';
    const svc = i.services.get(tgb.spec.serviceRef.name, ns);
    if (!svc) return { targets: [], problem: `Service ${ns}/${tgb.spec.serviceRef.name} not found` };
    const nodeReady = (name: string): string | undefined => i.nodes.get(name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    if (tgb.spec.targetType === 'ip') {
      const slices = i.endpointSlices.list(ns).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === svc.metadata?.name);
      const cidrs = this.#d.vpcCidrs?.();
      return ipTargetsFailingOpen({
        service: svc as unknown as V1Service,
        servicePort: tgb.spec.serviceRef.port,
        ipAddressType: tgb.spec.ipAddressType ?? 'ipv4',
        ...(cidrs ? { vpcCidrs: cidrs } : {}),
      }, slices, (pns, pname) => i.pods.get(pname, pns), nodeReady, this.#d.endpointsFailOpen ?? true);
    }
    return instanceTargets({
      service: svc as unknown as V1Service,
      servicePort: tgb.spec.serviceRef.port,
      nodes: i.nodes.list() as unknown as V1Node[],
      ...(tgb.spec.nodeSelector ? { nodeSelector: tgb.spec.nodeSelector } : {}),
      failOpen: this.#d.endpointsFailOpen ?? true,
    });
  }

  /** sets the gate condition on every pod of the namespace that carries this binding's gate; returns how many are not True */
  async #updateGates(tgb: TargetGroupBinding, health: readonly TargetHealthReport[] | 'allTrue'): Promise<number> {
    const type = readinessGateType(tgb.metadata?.name ?? '');
    const ns = tgb.metadata?.namespace ?? 'default';
    let pending = 0;
    for (const pod of this.#d.informers.pods.list(ns)) {
      if (!(pod.spec?.readinessGates ?? []).some((g) => g.conditionType === type)) continue;
      const cond = health === 'allTrue'
        ? { type, status: 'True' as const, reason: 'Elb.TargetGroupBindingDeleted', message: 'The TargetGroupBinding is gone; the gate no longer applies' }
        : gateCondition(type, health.find((h) => h.id === pod.status?.podIP));
      if (cond.status !== 'True') pending++;
      try {
        await setPodCondition(this.#d.kube.pods, pod, cond);
      } catch (err) {
        this.#log.warn('could not set readiness gate', { pod: objectKey(pod), gate: type, error: errorMessage(err) });
        pending++;
      }
    }
    return pending;
  }

  /**
   * a binding being deleted: deregister every target it registered, revoke the rules it needed, open its gates,
   * then let it go. A target group that is gone or an ARN AWS rejects as malformed means nothing is registered, so
   * a broken binding can always be deleted. A refused multi-cluster binding goes without any AWS call.
   */
  async #cleanup(tgb: TargetGroupBinding): Promise<ReconcileResult> {
    const key = objectKey(tgb);
    this.#checkpoints.delete(key);
    const needsPass = this.#hadNetworking.has(key) || hasNetworkingRules(tgb);
    if (!hasFinalizer(tgb, FINALIZER_TARGET_GROUP_BINDING)) {
      if (this.#hadNetworking.delete(key)) this.#networking?.request();
      return;
    }
    const arn = tgb.spec.targetGroupARN;
    try {
      if (tgb.spec.multiClusterTargetGroup) {
        this.#log.info('refused multi-cluster binding released without deregistering', { binding: key });
      } else {
        if (arn) await this.#deregisterAll(key, arn);
        if (needsPass) await this.#networking?.without(key);
      }
      await this.#updateGates(tgb, 'allTrue');
      await removeFinalizer(this.#d.kube.targetGroupBindings, tgb, FINALIZER_TARGET_GROUP_BINDING);
      this.#hadNetworking.delete(key);
    } catch (err) {
      const message = `cleaning up${arn ? ` the targets of ${arn}` : ''}: ${failureMessage(err)}`;
      this.#log.warn('binding not cleaned up', { binding: key, error: message });
      await this.#d.events.warning(tgb, 'FailedCleanup', message);
      throw err;
    }
    this.#log.info('binding cleaned up', { binding: key });
  }

  async #deregisterAll(key: string, arn: string): Promise<void> {
    try {
      const r = await reconcileTargets({ elbv2: this.#d.elbv2, targetGroupArn: arn, desired: [] });
      if (r.deregistered) this.#d.metrics.targetChanges.inc({ operation: 'deregister' }, r.deregistered);
    } catch (err) {
      if (!meansNothingRegistered(err)) throw err;
      this.#log.info('nothing to deregister', { binding: key, reason: failureMessage(err) });
    }
  }
}
