// The TargetGroupBinding loop, the fast path: key = "namespace/name" of a binding. EndpointSlice, Pod, Node and
// Service changes map to the bindings they affect (bursts collapse in the queue); a reconcile computes the
// desired targets from the caches and registers / deregisters the difference in batches. It never reads or
// writes the load balancer, its listeners or rules. Also: finalizer elbv2.k8s.aws/resources (targets are
// deregistered before a binding goes) and pod readiness-gate conditions from target health.
//
// Before any AWS write a binding passes the admission rules of targets/binding-policy.ts, the same the webhook
// applies (the webhook may be off): the target group exists, its owner tags allow this binding (another cluster's
// or stack's target group is refused; one made by hand needs the claim annotation), no other binding holds it,
// and it agrees with the binding (type, IP family, VPC, protocol). A refusal is a Warning Event naming the field
// and the reason, status condition Ready=False, and no AWS write. The target group's facts and tags are cached
// (TargetGroupDirectory). The first admitted reconcile records the target group in status.targetGroupARN before
// registering anything; that record is what a deletion deregisters from and what makes the binding the holder.
//
// Checkpoints (ADR 0013): a reconcile that leaves every target in place records a hash of the target group, the
// desired targets and the networking rules, in memory and in the binding's elbv2.k8s.aws/checkpoint annotation
// (upstream's key, this controller's own hash). A later reconcile, the periodic resync and a restarted controller
// skip DescribeTargetHealth while the hash is unchanged and no readiness gate waits; pods that changed while the
// controller was down change the hash. The annotation is removed before any target is registered or deregistered,
// so a crash in between never leaves a checkpoint that claims what AWS does not hold. Hand edits of the targets
// are found by the drift rotation, which reads each target group again within the drift budget.
import { createHash } from 'node:crypto';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isAwsError, toAwsError } from '../aws/errors.ts';
import { TargetGroupDirectory, type TargetGroupFacts } from '../aws/target-groups.ts';
import type { EventRecorder } from '../k8s/events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../k8s/finalizers.ts';
import type { Informers } from '../k8s/informer.ts';
import type { KubeClients } from '../k8s/client.ts';
import type { Priority, QueueItem, ReconcileResult, WorkQueue } from '../k8s/queue.ts';
import { patchAnnotations, setBindingStatus, setPodCondition, TGB_CHECKPOINT_ANNOTATION, TGB_CHECKPOINT_TIMESTAMP_ANNOTATION, userAnnotations } from '../k8s/status.ts';
import { objectKey, type EndpointSlice, type Node, type Pod, type Service, type TargetGroupBinding, type TargetGroupBindingWireSpec } from '../k8s/types.ts';
import { FINALIZER_TARGET_GROUP_BINDING } from '../model/tags.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import type { ControllerMetrics } from '../server/metrics.ts';
import { instanceTargets, ipTargets, type DesiredTarget, type DesiredTargets, type IpTargetsInput, type NetworkingBinding, reconcileTargets, resolveNetworkingPorts, targetKey, type TargetHealthReport } from '../targets/index.ts';
import { TrackedTargets } from '../k8s/tracked-targets.ts';
import { admit, earlyRefusals, mayCleanUp, recordedArn, refusalText, type Refusal } from '../targets/binding-policy.ts';
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
  /** --cluster-name: whose owner tags on a target group are ours */
  readonly clusterName: string;
  /** target group facts and tags, shared with the admission webhook; one of its own when absent */
  readonly targetGroups?: TargetGroupDirectory;
  /** the CIDRs of a target group's VPC: an IP outside them is registered with AvailabilityZone "all" */
  readonly vpcCidrs?: (vpcId: string | undefined) => readonly string[] | undefined | Promise<readonly string[] | undefined>;
  /** how soon a binding whose target group was not found is looked at again (60 s) */
  readonly notFoundRequeueMs?: number;
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

/** the checkpoint a binding carries (its annotation), if any */
const persistedCheckpoint = (t: TargetGroupBinding): string | undefined => t.metadata?.annotations?.[TGB_CHECKPOINT_ANNOTATION];

/** the readiness-gate index of pods: "namespace/conditionType" of each of this controller's gates */
const gatesOf = (p: Pod): string[] => (p.spec?.readinessGates ?? [])
  .filter((g) => g.conditionType.startsWith(READINESS_GATE_PREFIX)).map((g) => `${p.metadata?.namespace ?? ''}/${g.conditionType}`);

const hasNetworkingRules = (t: TargetGroupBinding): boolean => (t.spec.networking?.ingress?.length ?? 0) > 0;

/** the admission of a binding: served with its effective spec (defaults from the target group), or refused */
type Verdict =
  | { readonly ok: true; readonly arn: string; readonly spec: TargetGroupBindingWireSpec; readonly tg: TargetGroupFacts }
  | { readonly ok: false; readonly refusals: readonly Refusal[]; readonly requeueAfterMs?: number };

const STATUS_READY = 'Ready';

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
  /**
   * key → uid of a binding whose finalizer this process removed: until the informer sees it gone, a reconcile of the
   * cached copy (still with its finalizer) must not clean up again (targets deregistered twice, a target group
   * already deleted read)
   */
  readonly #released = new Map<string, string>();
  readonly #networking: NetworkingSync | undefined;
  /** bindings whose networking rules the last pass request included: losing them (edit or delete) needs one more pass */
  readonly #hadNetworking = new Set<string>();
  /** whether a networking pass was asked for since start (the first catches rules left by bindings deleted meanwhile) */
  #networkingPrimed = false;
  /** bindings the drift rotation asked to read again */
  readonly #driftDue = new Set<string>();
  readonly #targetGroups: TargetGroupDirectory;
  /** multi-cluster bindings: the targets each registered itself, in upstream's ConfigMap */
  readonly #tracked: TrackedTargets;
  /** key → the status last written, so a status the apiserver does not keep (an old CRD) is not written again and again */
  readonly #statusWritten = new Map<string, string>();

  constructor(deps: TargetGroupBindingDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ controller: 'targetGroupBinding' });
    this.#targetGroups = deps.targetGroups ?? new TargetGroupDirectory(deps.elbv2);
    this.#tracked = new TrackedTargets(deps.kube.configMaps);
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
   * every live, admitted binding with networking rules (but those in `except`), with its desired targets. Rules
   * without ports, and named ports, become the ports the traffic uses (resolveNetworkingPorts): never every port.
   * Throws when a target group cannot be read, so the pass fails and retries rather than revoke rules it cannot judge.
   */
  async networkingBindings(except: ReadonlySet<string> = new Set()): Promise<NetworkingBinding[]> {
    const out: NetworkingBinding[] = [];
    for (const t of this.#d.informers.targetGroupBindings.list()) {
      if (t.metadata?.deletionTimestamp || except.has(objectKey(t)) || !hasNetworkingRules(t)) continue;
      const verdict = await this.#admission(t);
      if (!verdict.ok) continue;
      const targets = (await this.#desired(t, verdict.spec, verdict.tg)).targets;
      const targetPorts = [...new Set(targets.map((x) => x.port))];
      const healthCheckPort = Number(verdict.tg.healthCheckPort);
      const trafficPorts = targetPorts.length > 0 && Number.isInteger(healthCheckPort) && healthCheckPort > 0
        ? [...new Set([...targetPorts, healthCheckPort])] : targetPorts;
      const networking = resolveNetworkingPorts(t.spec.networking, targetPorts, trafficPorts);
      out.push({ key: objectKey(t), targetType: verdict.spec.targetType ?? 'instance', networking, targets });
    }
    return out;
  }

  allKeys(): string[] {
    return this.#d.informers.targetGroupBindings.list().map(objectKey).sort();
  }

  /** the drift rotation asks for `key`'s targets to be read again at its next reconcile */
  markDriftDue(key: string): void {
    this.#driftDue.add(key);
  }

  /** every live binding with a target group, with what a drift check of it costs (one DescribeTargetHealth), for the drift rotation */
  driftEntries(): DriftEntry[] {
    return this.#d.informers.targetGroupBindings.list()
      .filter((t) => !t.metadata?.deletionTimestamp && (t.spec.targetGroupARN || recordedArn(t)))
      .map((t) => ({ controller: 'targetGroupBinding' as const, key: objectKey(t), cost: 1 }));
  }

  /** reads the target groups of every binding in batches (at start, before the first reconciles) */
  async prefetch(): Promise<void> {
    const arns = this.#d.informers.targetGroupBindings.list().flatMap((t) => [t.spec?.targetGroupARN, recordedArn(t)]).filter((a): a is string => !!a);
    await this.#targetGroups.prefetch(arns);
  }

  register(queue: WorkQueue): void {
    const i = this.#d.informers;
    const tgbs = i.targetGroupBindings;
    const arnsOf = (t: TargetGroupBinding): string[] => [...new Set([t.spec?.targetGroupARN, recordedArn(t)].filter((a): a is string => !!a))];
    tgbs.addIndex('targetGroup', arnsOf);
    const add = (keys: Iterable<string>, priority: Priority = 'user'): void => { for (const k of keys) queue.add(k, priority); };
    const forService = (ns: string, name: string): string[] => tgbs.byIndex('service', `${ns}/${name}`).map(objectKey);
    // an informer's first listing replays what existed before start: it queues as the start-up pass does
    // (resync), behind new work; a binding without our finalizer is new work (created while we were down)
    const initially = (inf: { hasSynced(): boolean }): Priority => (inf.hasSynced() ? 'user' : 'resync');
    // a binding that goes (or lets a target group go) may leave it to another one, refused until now
    const sharing = (t: TargetGroupBinding): string[] => arnsOf(t).flatMap((arn) => tgbs.byIndex('targetGroup', arn).map(objectKey)).filter((k) => k !== objectKey(t));

    tgbs.addHandlers({
      add: (t) => add([objectKey(t)], hasFinalizer(t, FINALIZER_TARGET_GROUP_BINDING) ? initially(tgbs) : 'user'),
      update: (t, old) => {
        // labels and annotations count (the stack labels and the claim annotation decide who may use a target group),
        // but not the controller's own checkpoint annotations, which every successful reconcile may write
        const sig = (x: TargetGroupBinding): string => JSON.stringify([
          x.spec, x.metadata?.generation, x.metadata?.deletionTimestamp ?? null, x.metadata?.finalizers ?? [], x.metadata?.labels ?? {}, userAnnotations(x),
        ]);
        if (sig(t) !== sig(old)) add([objectKey(t)]);
        if (t.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) add(sharing(t));
      },
      delete: (t) => {
        const key = objectKey(t);
        this.#checkpoints.delete(key);
        this.#driftDue.delete(key);
        this.#statusWritten.delete(key);
        add(sharing(t));
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
    if (!cached) { this.#checkpoints.delete(key); this.#released.delete(key); return; }
    if (cached.metadata?.deletionTimestamp) return this.#cleanup(cached);
    let verdict: Verdict;
    try {
      verdict = await this.#admission(cached);
    } catch (err) {
      const message = `reading the target group of the binding: ${failureMessage(err)}`;
      this.#log.warn('target group not read', { binding: key, error: message });
      await this.#d.events.warning(cached, 'FailedReconcile', message);
      throw err;
    }
    if (!verdict.ok) return this.#refuse(key, cached, verdict);
    let tgb: TargetGroupBinding | undefined = cached;
    if (!hasFinalizer(tgb, FINALIZER_TARGET_GROUP_BINDING)) {
      tgb = await addFinalizer(this.#d.kube.targetGroupBindings, tgb, FINALIZER_TARGET_GROUP_BINDING);
      if (!tgb) return;
    }
    const arn = verdict.arn;
    // recorded before the first registration: a deletion deregisters from this ARN, and it makes the binding the holder
    await this.#writeStatus(tgb, arn, { status: 'True', reason: 'Bound', message: `targets are registered in ${arn}` });
    const desired = await this.#desired(tgb, verdict.spec, verdict.tg);
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
    // a multi-cluster binding deregisters only what it recorded having registered (nothing before its first record);
    // the record grows before a registration (a target registered but not recorded would leak) and shrinks after
    const [ns, name] = [tgb.metadata?.namespace ?? '', tgb.metadata?.name ?? ''];
    const multiCluster = tgb.spec.multiClusterTargetGroup === true;
    const tracked = multiCluster ? await this.#tracked.read(ns, name) : undefined;
    const desiredKeys = new Set(desired.targets.map(targetKey));
    let result: Awaited<ReturnType<typeof reconcileTargets>>;
    try {
      result = await reconcileTargets({
        elbv2: this.#d.elbv2, targetGroupArn: arn, desired: desired.targets,
        ...(multiCluster ? { deregisterOnly: tracked ?? new Set() } : {}),
        beforeWrite: async () => {
          await this.#dropCheckpoint(tgb);
          if (multiCluster) await this.#tracked.write(ns, name, new Set([...(tracked ?? []), ...desiredKeys]));
        },
      });
      if (multiCluster) await this.#tracked.write(ns, name, desiredKeys);
    } catch (err) {
      const message = `reconciling the targets of ${arn}: ${failureMessage(err)}`;
      this.#log.warn('targets not reconciled', { binding: key, error: message });
      await this.#d.events.warning(tgb, 'FailedReconcile', message);
      await this.#writeStatus(tgb, arn, { status: 'False', reason: 'FailedReconcile', message });
      throw err;
    }
    this.#d.metrics.stackReads.inc({ controller: 'targetGroupBinding', read: 'full' });
    await this.#writeStatus(tgb, arn, { status: 'True', reason: 'Bound', message: `targets are registered in ${arn}` });
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

  /**
   * whether the binding may be served: the rules of targets/binding-policy.ts against its target group (found by
   * ARN, or by spec.targetGroupName). Throws only when AWS could not be read.
   */
  async #admission(tgb: TargetGroupBinding): Promise<Verdict> {
    // refused without reading AWS (a role to assume: the target group is not even in this account)
    const early = earlyRefusals(tgb);
    if (early.length > 0) return { ok: false, refusals: early };
    const retry = this.#d.notFoundRequeueMs ?? 60_000;
    let tg: TargetGroupFacts | undefined;
    const arn = tgb.spec.targetGroupARN;
    try {
      tg = arn ? await this.#targetGroups.byArn(arn) : await this.#targetGroups.byName(tgb.spec.targetGroupName ?? '');
    } catch (err) {
      if (toAwsError(err).code !== 'Validation') throw err;
      const field = arn ? 'spec.targetGroupARN' : 'spec.targetGroupName';
      return { ok: false, refusals: [{ field, code: 'InvalidTargetGroup', message: `AWS rejects "${arn ?? tgb.spec.targetGroupName}": ${failureMessage(err)}` }] };
    }
    if (!tg) {
      const field = arn ? 'spec.targetGroupARN' : 'spec.targetGroupName';
      return { ok: false, refusals: [{ field, code: 'TargetGroupNotFound', message: `no target group ${arn ?? `named "${tgb.spec.targetGroupName ?? ''}"`} in this account and region` }], requeueAfterMs: retry };
    }
    const decision = admit({ binding: tgb, targetGroup: tg, clusterName: this.#d.clusterName, bindings: this.#d.informers.targetGroupBindings.list() });
    return decision.ok ? { ok: true, arn: decision.arn, spec: decision.spec, tg } : { ok: false, refusals: decision.refusals };
  }

  /**
   * a refused binding: a Warning Event once per generation and reason, Ready=False, its gated pods told why, no AWS
   * write, no finalizer added. Rules it had on node security groups go in the next networking pass.
   */
  async #refuse(key: string, tgb: TargetGroupBinding, verdict: Extract<Verdict, { ok: false }>): Promise<ReconcileResult> {
    const first = verdict.refusals[0] as Refusal;
    const message = refusalText(verdict.refusals);
    const mark = `refused:${tgb.metadata?.generation ?? ''}:${message}`;
    if (this.#checkpoints.get(key) !== mark) {
      this.#log.warn('binding refused', { binding: key, field: first.field, reason: first.code, message });
      await this.#d.events.warning(tgb, first.code, message);
      await this.#writeStatus(tgb, undefined, { status: 'False', reason: first.code, message });
      await this.#updateGates(tgb, { refused: `${first.code}: ${message}` });
      this.#checkpoints.set(key, mark);
    }
    if (this.#hadNetworking.delete(key)) this.#networking?.request();
    return verdict.requeueAfterMs !== undefined ? { requeueAfterMs: verdict.requeueAfterMs } : undefined;
  }

  /**
   * status: the recorded target group (kept when `arn` is undefined), observedGeneration and the Ready condition.
   * Written only when it changes; a status write that fails is logged (the next reconcile tries again).
   */
  async #writeStatus(tgb: TargetGroupBinding, arn: string | undefined, ready: { status: 'True' | 'False'; reason: string; message: string }): Promise<void> {
    const key = objectKey(tgb);
    const sig = JSON.stringify([arn ?? recordedArn(tgb) ?? null, tgb.metadata?.generation ?? null, ready]);
    if (this.#statusWritten.get(key) === sig) return;
    try {
      const kept = await setBindingStatus(this.#d.kube.targetGroupBindings, tgb, { ...(arn ? { targetGroupARN: arn } : {}), condition: { type: STATUS_READY, ...ready } });
      this.#statusWritten.set(key, sig);
      if (kept === false) this.#log.warn('status.targetGroupARN was not kept by the apiserver: apply this chart\'s CRDs (helm/aws-lb-controller/crds/)', { binding: key });
    } catch (err) {
      this.#log.warn('could not write the binding status', { binding: key, error: errorMessage(err) });
    }
  }

  async #desired(tgb: TargetGroupBinding, spec: TargetGroupBindingWireSpec, tg: TargetGroupFacts): Promise<DesiredTargets> {
    const i = this.#d.informers;
    const ns = tgb.metadata?.namespace ?? 'default';
    const svc = i.services.get(spec.serviceRef.name, ns);
    if (!svc) return { targets: [], problem: `Service ${ns}/${spec.serviceRef.name} not found` };
    const nodeReady = (name: string): string | undefined => i.nodes.get(name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    if (spec.targetType === 'ip') {
      const slices = i.endpointSlices.byIndex('service', `${ns}/${svc.metadata?.name ?? ''}`);
      // the target group's VPC decides which IPs are "outside" (it may be a peered VPC: spec.vpcID)
      const cidrs = await this.#d.vpcCidrs?.(tg.vpcId);
      return ipTargetsFailingOpen({
        service: svc as unknown as V1Service,
        servicePort: spec.serviceRef.port,
        ipAddressType: spec.ipAddressType ?? 'ipv4',
        ...(cidrs ? { vpcCidrs: cidrs } : {}),
      }, slices, (pns, pname) => i.pods.get(pname, pns), nodeReady, this.#d.endpointsFailOpen ?? true);
    }
    return instanceTargets({
      service: svc as unknown as V1Service,
      servicePort: spec.serviceRef.port,
      nodes: i.nodes.list() as unknown as V1Node[],
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      failOpen: this.#d.endpointsFailOpen ?? true,
    });
  }

  /** sets the gate condition on every pod of the namespace that carries this binding's gate; returns how many are not True */
  async #updateGates(tgb: TargetGroupBinding, health: readonly TargetHealthReport[] | 'allTrue' | { readonly refused: string }): Promise<number> {
    const type = readinessGateType(tgb.metadata?.name ?? '');
    const ns = tgb.metadata?.namespace ?? 'default';
    let pending = 0;
    for (const pod of this.#d.informers.pods.byIndex('readinessGate', `${ns}/${type}`)) {
      const cond = health === 'allTrue'
        ? { type, status: 'True' as const, reason: 'Elb.TargetGroupBindingDeleted', message: 'The TargetGroupBinding is gone; the gate no longer applies' }
        : 'refused' in health
          ? { type, status: 'False' as const, reason: 'TargetGroupBindingRefused', message: health.refused }
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
   * then let it go. Deregistration goes to the recorded target group (else the spec's) and only when the binding
   * may clean it up (mayCleanUp: owner tags, claim, holder), so deleting a refused binding never touches a target
   * group someone else uses. A target group that is gone or an ARN AWS rejects as malformed means nothing is
   * registered, so a broken binding can always be deleted. A multi-cluster binding deregisters only the targets its
   * ConfigMap records (none without one), then deletes that ConfigMap.
   */
  async #cleanup(tgb: TargetGroupBinding): Promise<ReconcileResult> {
    const key = objectKey(tgb);
    const uid = tgb.metadata?.uid ?? '';
    if (uid && this.#released.get(key) === uid) return;
    const known = this.#checkpoints.get(key) ?? persistedCheckpoint(tgb);
    this.#checkpoints.delete(key);
    const needsPass = this.#hadNetworking.has(key) || hasNetworkingRules(tgb);
    if (!hasFinalizer(tgb, FINALIZER_TARGET_GROUP_BINDING)) {
      if (this.#hadNetworking.delete(key)) this.#networking?.request();
      return;
    }
    const arn = recordedArn(tgb) ?? tgb.spec.targetGroupARN;
    const [ns, name] = [tgb.metadata?.namespace ?? '', tgb.metadata?.name ?? ''];
    const multiCluster = tgb.spec.multiClusterTargetGroup === true;
    try {
      if (arn && await this.#cleanUpAllowed(key, tgb, arn)) {
        const only = multiCluster ? await this.#tracked.read(ns, name) ?? new Set<string>() : undefined;
        if (!only || only.size > 0) await this.#deregisterAll(key, arn, await this.#registeredPerCheckpoint(tgb, arn, known), only);
      }
      if (needsPass) await this.#networking?.without(key);
      if (multiCluster) await this.#tracked.remove(ns, name);
      await this.#updateGates(tgb, 'allTrue');
      await removeFinalizer(this.#d.kube.targetGroupBindings, tgb, FINALIZER_TARGET_GROUP_BINDING);
      if (uid) this.#released.set(key, uid);
      this.#hadNetworking.delete(key);
    } catch (err) {
      const message = `cleaning up${arn ? ` the targets of ${arn}` : ''}: ${failureMessage(err)}`;
      this.#log.warn('binding not cleaned up', { binding: key, error: message });
      await this.#d.events.warning(tgb, 'FailedCleanup', message);
      throw err;
    }
    this.#log.info('binding cleaned up', { binding: key });
  }

  /** whether a binding being deleted may deregister from the target group (it exists, and the binding holds it) */
  async #cleanUpAllowed(key: string, tgb: TargetGroupBinding, arn: string): Promise<boolean> {
    let tg: TargetGroupFacts | undefined;
    try {
      tg = await this.#targetGroups.byArn(arn);
    } catch (err) {
      if (!meansNothingRegistered(err)) throw err;
      this.#log.info('nothing to deregister', { binding: key, reason: failureMessage(err) });
      return false;
    }
    if (!tg) {
      this.#log.info('nothing to deregister: the target group is gone', { binding: key, targetGroup: arn });
      return false;
    }
    if (mayCleanUp(tgb, tg, this.#d.clusterName, this.#d.informers.targetGroupBindings.list())) return true;
    this.#log.info('binding released without deregistering: it never held the target group', { binding: key, targetGroup: arn });
    return false;
  }

  /**
   * the targets registered, when the binding's checkpoint matches its desired targets now (no read needed). The
   * target group's facts come from the directory's cache; a spec whose defaults differ only costs a read.
   */
  async #registeredPerCheckpoint(tgb: TargetGroupBinding, arn: string, known: string | undefined): Promise<readonly DesiredTarget[] | undefined> {
    if (known === undefined || known === '') return undefined;
    const tg = await this.#targetGroups.byArn(arn);
    if (!tg) return undefined;
    const desired = await this.#desired(tgb, tgb.spec, tg);
    return !desired.problem && checkpointOf(arn, desired.targets, tgb.spec.networking) === known ? desired.targets : undefined;
  }

  /**
   * deregisters every target (of `only`, when given): those the checkpoint names without reading (one
   * DeregisterTargets), else whatever DescribeTargetHealth lists; a target group already gone has nothing registered
   */
  async #deregisterAll(key: string, arn: string, registered: readonly DesiredTarget[] | undefined, only?: ReadonlySet<string>): Promise<void> {
    const run = (known: readonly DesiredTarget[] | undefined) => reconcileTargets({
      elbv2: this.#d.elbv2, targetGroupArn: arn, desired: [], ...(known ? { registered: known } : {}), ...(only ? { deregisterOnly: only } : {}),
    });
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
