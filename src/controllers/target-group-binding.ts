// The TargetGroupBinding loop, the fast path: key = "namespace/name" of a binding. EndpointSlice, Pod, Node and
// Service changes map to the bindings they affect (bursts collapse in the queue); a reconcile computes the
// desired targets from the caches and registers / deregisters the difference in batches. It never reads or
// writes the load balancer, its listeners or rules. Also: finalizer elbv2.k8s.aws/resources (targets are
// deregistered before a binding goes) and pod readiness-gate conditions from target health.
// Checkpoints (ADR 0013): a reconcile that leaves every target in place records a hash of the target group, the
// desired targets and the networking rules, in memory and in the binding's elbv2.k8s.aws/checkpoint annotation
// (upstream's key, this controller's own hash). A later reconcile, the periodic resync and a restarted controller
// skip DescribeTargetHealth while the hash is unchanged and no readiness gate waits; pods that changed while the
// controller was down change the hash. The annotation is removed before any target is registered or deregistered,
// so a crash in between never leaves a checkpoint that claims what AWS does not hold. Hand edits of the targets
// are found by the drift rotation, which reads each target group again within the drift budget.
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
import type { Priority, QueueItem, ReconcileResult, WorkQueue } from '../k8s/queue.ts';
import { patchAnnotations, setPodCondition, TGB_CHECKPOINT_ANNOTATION, TGB_CHECKPOINT_TIMESTAMP_ANNOTATION } from '../k8s/status.ts';
import { objectKey, type EndpointSlice, type Node, type Pod, type Service, type TargetGroupBinding } from '../k8s/types.ts';
import { FINALIZER_TARGET_GROUP_BINDING } from '../model/tags.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import type { ControllerMetrics } from '../server/metrics.ts';
import { instanceTargets, ipTargets, type DesiredTarget, type DesiredTargets, type NetworkingBinding, reconcileTargets, type TargetHealthReport } from '../targets/index.ts';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { DriftEntry } from './drift-rotation.ts';
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

/** the pod condition a target's health gives: True healthy, False any other known state, Unknown not yet seen */
export function gateCondition(type: string, health: TargetHealthReport | undefined): { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string } {
  if (!health?.state) return { type, status: 'Unknown', reason: 'Elb.RegistrationInProgress', message: 'Target registration is in progress' };
  if (health.state === 'healthy') return { type, status: 'True', reason: 'Elb.Healthy', message: 'Target is healthy' };
  return { type, status: 'False', ...(health.reason ? { reason: health.reason } : {}), ...(health.description ? { message: health.description } : {}) };
}

const checkpointOf = (arn: string, targets: readonly DesiredTarget[], networking: unknown): string =>
  createHash('sha256').update(JSON.stringify([arn, targets, networking ?? null])).digest('hex');

/** the checkpoint a binding carries (its annotation), if any */
const persistedCheckpoint = (t: TargetGroupBinding): string | undefined => t.metadata?.annotations?.[TGB_CHECKPOINT_ANNOTATION];

/** the readiness-gate index of pods: "namespace/conditionType" of each of this controller's gates */
const gatesOf = (p: Pod): string[] => (p.spec?.readinessGates ?? [])
  .filter((g) => g.conditionType.startsWith(READINESS_GATE_PREFIX)).map((g) => `${p.metadata?.namespace ?? ''}/${g.conditionType}`);

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
  /** bindings the drift rotation asked to read again */
  readonly #driftDue = new Set<string>();

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
    // the indexes a reconcile reads, whether or not register() wires events
    const i = deps.informers;
    i.targetGroupBindings.addIndex('service', (t) => [`${t.metadata?.namespace ?? ''}/${t.spec?.serviceRef?.name ?? ''}`]);
    i.targetGroupBindings.addIndex('targetType', (t) => [t.spec?.targetType ?? 'instance']);
    i.endpointSlices.addIndex('service', (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc ? [`${s.metadata?.namespace ?? ''}/${svc}`] : [];
    });
    i.pods.addIndex('readinessGate', gatesOf);
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

  /** the drift rotation asks for `key`'s targets to be read again at its next reconcile */
  markDriftDue(key: string): void {
    this.#driftDue.add(key);
  }

  /** every live binding, with what a drift check of it costs (one DescribeTargetHealth), for the drift rotation */
  driftEntries(): DriftEntry[] {
    return this.#d.informers.targetGroupBindings.list()
      .filter((t) => !t.metadata?.deletionTimestamp && !t.spec.multiClusterTargetGroup && t.spec.targetGroupARN)
      .map((t) => ({ controller: 'targetGroupBinding' as const, key: objectKey(t), cost: 1 }));
  }

  register(queue: WorkQueue): void {
    const i = this.#d.informers;
    const tgbs = i.targetGroupBindings;
    const add = (keys: Iterable<string>, priority: Priority = 'user'): void => { for (const k of keys) queue.add(k, priority); };
    const forService = (ns: string, name: string): string[] => tgbs.byIndex('service', `${ns}/${name}`).map(objectKey);
    // an informer's first listing replays what existed before start: it queues as the start-up pass does
    // (resync), behind new work; a binding without our finalizer is new work (created while we were down)
    const initially = (inf: { hasSynced(): boolean }): Priority => (inf.hasSynced() ? 'user' : 'resync');

    tgbs.addHandlers({
      add: (t) => add([objectKey(t)], hasFinalizer(t, FINALIZER_TARGET_GROUP_BINDING) ? initially(tgbs) : 'user'),
      update: (t, old) => {
        const sig = (x: TargetGroupBinding): string => JSON.stringify([x.spec, x.metadata?.generation, x.metadata?.deletionTimestamp ?? null, x.metadata?.finalizers ?? []]);
        if (sig(t) !== sig(old)) add([objectKey(t)]);
      },
      delete: (t) => {
        const key = objectKey(t);
        this.#checkpoints.delete(key);
        this.#driftDue.delete(key);
        // gone without our cleanup (finalizer removed by hand): its rules still go
        if (this.#hadNetworking.delete(key)) this.#networking?.request();
      },
    });
    const onService = (s: Service, priority: Priority = 'user'): void => add(forService(s.metadata?.namespace ?? '', s.metadata?.name ?? ''), priority);
    i.services.addHandlers({
      add: (s) => onService(s, initially(i.services)),
      update: (s, old) => { if (JSON.stringify([s.spec, s.metadata?.uid]) !== JSON.stringify([old.spec, old.metadata?.uid])) onService(s); },
      delete: (s) => onService(s),
    });
    const onSlice = (s: EndpointSlice, priority: Priority = 'user'): void => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc) add(forService(s.metadata?.namespace ?? '', svc), priority);
    };
    i.endpointSlices.addHandlers({
      add: (s) => onSlice(s, initially(i.endpointSlices)),
      update: (s, old) => { if (JSON.stringify([s.endpoints, s.ports]) !== JSON.stringify([old.endpoints, old.ports])) onSlice(s); },
      delete: (s) => onSlice(s),
    });
    i.pods.addHandlers({
      update: (p, old) => {
        const sig = (x: Pod): string => JSON.stringify([
          x.status?.podIP, x.metadata?.deletionTimestamp ?? null, x.metadata?.labels,
          (x.status?.conditions ?? []).filter((c) => c.type === 'ContainersReady' || c.type === 'Ready' || c.type.startsWith(READINESS_GATE_PREFIX)).map((c) => [c.type, c.status]),
        ]);
        if (sig(p) !== sig(old)) add(this.#bindingsForPod(p));
      },
      add: (p) => { if ((p.spec?.readinessGates ?? []).some((g) => g.conditionType.startsWith(READINESS_GATE_PREFIX))) add(this.#bindingsForPod(p), initially(i.pods)); },
    });
    const instanceBindings = (): string[] => tgbs.byIndex('targetType', 'instance').map(objectKey);
    i.nodes.addHandlers({
      add: () => add(instanceBindings(), initially(i.nodes)),
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
    const drift = this.#driftDue.delete(key);
    const resync = item?.priority === 'resync';
    // this process's checkpoint, or (after a restart) the binding's; nothing read while it holds and no gate waits
    if (!drift && (this.#checkpoints.get(key) ?? persistedCheckpoint(tgb)) === checkpoint && !this.#gateWaiting(tgb)) {
      this.#checkpoints.set(key, checkpoint);
      this.#d.metrics.stackReads.inc({ controller: 'targetGroupBinding', read: 'checkpoint' });
      if (hasNetworkingRules(tgb)) this.#hadNetworking.add(key);
      // the resync and the first reconcile after start still let the node security-group rules be checked
      if (resync || !this.#networkingPrimed) this.#requestNetworking(key, hasNetworkingRules(tgb), resync);
      return;
    }
    // until this reconcile succeeds, nothing is known of what is registered
    this.#checkpoints.set(key, '');
    let result: Awaited<ReturnType<typeof reconcileTargets>>;
    try {
      result = await reconcileTargets({
        elbv2: this.#d.elbv2, targetGroupArn: arn, desired: desired.targets,
        beforeWrite: () => this.#dropCheckpoint(tgb),
      });
    } catch (err) {
      const message = `reconciling the targets of ${arn}: ${failureMessage(err)}`;
      this.#log.warn('targets not reconciled', { binding: key, error: message });
      await this.#d.events.warning(tgb, 'FailedReconcile', message);
      throw err;
    }
    this.#d.metrics.stackReads.inc({ controller: 'targetGroupBinding', read: 'full' });
    if (result.registered) this.#d.metrics.targetChanges.inc({ operation: 'register' }, result.registered);
    if (result.deregistered) this.#d.metrics.targetChanges.inc({ operation: 'deregister' }, result.deregistered);
    if (result.registered || result.deregistered) {
      this.#log.info('targets reconciled', { binding: key, registered: result.registered, deregistered: result.deregistered, targets: desired.targets.length });
    }
    this.#requestNetworking(key, hasNetworkingRules(tgb), resync);
    const pending = await this.#updateGates(tgb, result.health);
    if (pending > 0) return { requeueAfterMs: this.#d.readinessRequeueMs ?? 5_000 };
    // the writes succeeded, so AWS now holds exactly the desired set: no confirming read is needed
    this.#checkpoints.set(key, checkpoint);
    await this.#keepCheckpoint(tgb, checkpoint);
  }

  /** whether a pod carrying this binding's readiness gate still waits for it (its target's health is then needed) */
  #gateWaiting(tgb: TargetGroupBinding): boolean {
    const type = readinessGateType(tgb.metadata?.name ?? '');
    return this.#d.informers.pods.byIndex('readinessGate', `${tgb.metadata?.namespace ?? ''}/${type}`)
      .some((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.find((c) => c.type === type)?.status !== 'True');
  }

  /** the checkpoint goes before targets change: a crash before the new one is written then costs one read, never a wrong skip */
  async #dropCheckpoint(tgb: TargetGroupBinding): Promise<void> {
    if (persistedCheckpoint(tgb) === undefined) return;
    await patchAnnotations(this.#d.kube.targetGroupBindings, tgb, { [TGB_CHECKPOINT_ANNOTATION]: null, [TGB_CHECKPOINT_TIMESTAMP_ANNOTATION]: null });
  }

  async #keepCheckpoint(tgb: TargetGroupBinding, checkpoint: string): Promise<void> {
    if (persistedCheckpoint(tgb) === checkpoint) return;
    try {
      const current = this.#d.informers.targetGroupBindings.getByKey(objectKey(tgb)) ?? tgb;
      if (current.metadata?.deletionTimestamp) return;
      await patchAnnotations(this.#d.kube.targetGroupBindings, current, {
        [TGB_CHECKPOINT_ANNOTATION]: checkpoint, [TGB_CHECKPOINT_TIMESTAMP_ANNOTATION]: String(Math.floor(Date.now() / 1000)),
      });
    } catch (err) {
      // only a restart's cost depends on it: the targets are then read once
      this.#log.warn('could not write the checkpoint', { binding: objectKey(tgb), error: errorMessage(err) });
    }
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
      const slices = i.endpointSlices.byIndex('service', `${ns}/${svc.metadata?.name ?? ''}`);
      const cidrs = this.#d.vpcCidrs?.();
      return ipTargets({
        service: svc as unknown as V1Service,
        servicePort: tgb.spec.serviceRef.port,
        endpointSlices: withGatedEndpointsReady(slices, (pns, pname) => i.pods.get(pname, pns), nodeReady) as unknown as V1EndpointSlice[],
        ipAddressType: tgb.spec.ipAddressType ?? 'ipv4',
        ...(cidrs ? { vpcCidrs: cidrs } : {}),
      });
    }
    return instanceTargets({
      service: svc as unknown as V1Service,
      servicePort: tgb.spec.serviceRef.port,
      nodes: i.nodes.list() as unknown as V1Node[],
      ...(tgb.spec.nodeSelector ? { nodeSelector: tgb.spec.nodeSelector } : {}),
    });
  }

  /** sets the gate condition on every pod of the namespace that carries this binding's gate; returns how many are not True */
  async #updateGates(tgb: TargetGroupBinding, health: readonly TargetHealthReport[] | 'allTrue'): Promise<number> {
    const type = readinessGateType(tgb.metadata?.name ?? '');
    const ns = tgb.metadata?.namespace ?? 'default';
    let pending = 0;
    for (const pod of this.#d.informers.pods.byIndex('readinessGate', `${ns}/${type}`)) {
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
    const known = this.#checkpoints.get(key) ?? persistedCheckpoint(tgb);
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
        if (arn) await this.#deregisterAll(key, arn, this.#registeredPerCheckpoint(tgb, arn, known));
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

  /** the targets registered, when the binding's checkpoint matches its desired targets now (no read needed) */
  #registeredPerCheckpoint(tgb: TargetGroupBinding, arn: string, known: string | undefined): readonly DesiredTarget[] | undefined {
    if (known === undefined || known === '') return undefined;
    const desired = this.#desired(tgb);
    return !desired.problem && checkpointOf(arn, desired.targets, tgb.spec.networking) === known ? desired.targets : undefined;
  }

  /**
   * deregisters every target: those the checkpoint names without reading (one DeregisterTargets), else whatever
   * DescribeTargetHealth lists; a target group already gone has nothing registered
   */
  async #deregisterAll(key: string, arn: string, registered: readonly DesiredTarget[] | undefined): Promise<void> {
    const run = (known: readonly DesiredTarget[] | undefined) => reconcileTargets({ elbv2: this.#d.elbv2, targetGroupArn: arn, desired: [], ...(known ? { registered: known } : {}) });
    try {
      let r: Awaited<ReturnType<typeof reconcileTargets>>;
      try {
        r = await run(registered);
      } catch (err) {
        // a target the checkpoint named is not there (deregistered by hand): read what is
        if (!registered || meansNothingRegistered(err)) throw err;
        r = await run(undefined);
      }
      if (r.deregistered) this.#d.metrics.targetChanges.inc({ operation: 'deregister' }, r.deregistered);
    } catch (err) {
      if (!meansNothingRegistered(err)) throw err;
      this.#log.info('nothing to deregister', { binding: key, reason: failureMessage(err) });
    }
  }
}
