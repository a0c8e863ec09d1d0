// The IngressGroup loop: key = group ID ("name" for an explicit group, "namespace/name" for a lone Ingress).
//   the group's Ingresses from the index → build the group's stack (pure) with cached discovered facts →
//   its entry in the inventory (one listing shared by the pass) → checkpoint: the same as the last successful
//   reconcile converged to, and no drift check due? done, nothing more is read (ADR 0013) → else read the stack
//   in full (or, when it is being deleted, only what the inventory names) → plan → apply (zero writes when the
//   plan is all noops) → write back: finalizers, status.loadBalancer, the reconcile-status annotation (ADR 0002),
//   the checkpoint, Events, metrics.
// Errors stay local: a broken member is reported on that Ingress and left out; the rest of the group is served.
// Events cost what they touch: an IngressIndex, kept by informer events, maps Ingresses to group keys and Services
// to Ingresses, so no event or reconcile walks every Ingress of the cluster.
import type { V1Ingress } from '@kubernetes/client-node';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CertificateManager, EnsureResult } from '../deploy/acm-certificates.ts';
import { ApplyError, applyPlan, type TargetGroupCreated } from '../deploy/apply.ts';
import { AwsError, awsErrorCodeOf, isAwsError } from '../aws/errors.ts';
import { mapLimit } from '../aws/util.ts';
import { appliedIdentity, bindingIdentity, listedDigest, observedIdentity, stackCheckpoint, type StackIdentity } from '../deploy/checkpoint.ts';
import { InventoryCache, OwnershipCache, type Inventory, type StackInventory } from '../deploy/inventory.ts';
import { observeExtras, observeForDeletion, observeStackDetails } from '../deploy/observe.ts';
import { observeAddons } from '../deploy/observe-addons.ts';
import type { AddonClients } from '../aws/clients.ts';
import {
  buildStacksSteps, certificateRequests, classifyIngress, groupMembers, groupMembersSteps, groupsOfFinalizers, groupIdString, oidcSecretsNeeded,
  optionalFactsNeeded, referencedServices,
  type BuildConfig, type BuildResult, type DeployedLoadBalancers, type Grouping, type IngressGroup, type Snapshot,
} from '../ingress/index.ts';
import { addFinalizer, removeFinalizer } from '../k8s/finalizers.ts';
import { oidcClientReader, readOidcSecretInfos } from '../k8s/oidc-secrets.ts';
import type { EventRecorder } from '../k8s/events.ts';
import type { Informers } from '../k8s/informer.ts';
import type { KubeClients } from '../k8s/client.ts';
import type { Priority, QueueItem, ReconcileResult, WorkQueue } from '../k8s/queue.ts';
import {
  CHECKPOINT_ANNOTATION, clearLoadBalancerStatusIfShowing, loadBalancerEntry, patchAnnotations, portError, updateLoadBalancerStatus,
  userAnnotations, withPortError, writeReconcileStatus, type LoadBalancerIngressEntry,
} from '../k8s/status.ts';
import { objectKey, type Ingress, type KubeObject, type Namespace, type Service, type TargetGroupBinding } from '../k8s/types.ts';
import { type DiscoveredFacts, type Issue, type ObservedState, type Stack, findResource, isRef } from '../model/index.ts';
import { FRONTEND_NLB_ID, LOAD_BALANCER_ID } from '../ingress/naming.ts';
import { formatIssue } from '../model/issues.ts';
import { hasChanges, planStackSteps, summarize } from '../plan/index.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import type { ControllerMetrics } from '../server/metrics.ts';
import { ingressStackKey, type BackendSecurityGroup } from './backend-security-group.ts';
import { fromWire, KubeBindingWriter, stackKeyOf } from './bindings.ts';
import type { DriftEntry } from './drift-rotation.ts';
import { IngressIndex, type IngressRelations } from './ingress-index.ts';
import { runInSlices } from './time-slices.ts';

export interface IngressControllerConfig extends BuildConfig {
  readonly externalManagedTags: readonly string[];
  readonly vpcId: string;
}

export interface FactsSource {
  discoverFacts(what?: { subnets?: boolean; securityGroups?: boolean; certificates?: boolean; webAcls?: boolean; trustStoreNames?: readonly string[] }): Promise<DiscoveredFacts>;
}

export interface IngressGroupDeps {
  readonly config: IngressControllerConfig;
  readonly informers: Informers;
  readonly kube: KubeClients;
  /** `addons`: the WAF and Shield clients (built on first use); without them a stack setting a web ACL or protection fails to apply */
  readonly aws: { readonly elbv2: ElasticLoadBalancingV2Client; readonly ec2: EC2Client; readonly addons?: AddonClients };
  readonly discovery: FactsSource;
  /** create-acm-cert's certificates (ADR 0018); absent unless the feature gate EnableCertificateManagement is on */
  readonly certificates?: CertificateManager;
  /** the shared backend security group; absent with --enable-backend-security-group=false */
  readonly backendSecurityGroup?: BackendSecurityGroup;
  readonly events: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  /** the oldest inventory a reconcile may use (60 s) */
  readonly inventoryMaxAgeMs?: number;
  /** told of each target group an apply created: primes the binding admission's cache (no read-back) */
  readonly onTargetGroupCreated?: TargetGroupCreated;
}

/** what one reconcile did, for logs and tests */
export interface GroupReconcileReport {
  readonly key: string;
  readonly members: readonly string[];
  readonly excluded: readonly string[];
  readonly changes: number;
  readonly dnsName?: string;
  /** how the stack was read: in full, not at all (its checkpoint matched), or only what a deletion needs */
  readonly read?: StackRead;
  /** members waiting for ACM to issue the certificate requested for them (create-acm-cert) */
  readonly certificatesPending?: number;
}

/** a member waiting for its certificate is reconciled again after this long (ACM issues in seconds to minutes) */
export const CERTIFICATE_PENDING_RECHECK_MS = 15_000;

export type StackRead = 'full' | 'checkpoint' | 'deletion';

/** writes to the members of one group (finalizers, status, Events) in flight at once: a 2,000-member group is not 2,000 round trips in a row */
const MEMBER_WRITES = 8;

/** Event reason on a member that kept a value or host another member asked for (ADR 6) */
export const CONFLICTING_MEMBER_REFUSED = 'ConflictingMemberRefused';

/** an update worth a reconcile: more than status, resourceVersion, managed fields, our own annotations or finalizers */
export function ingressChanged(old: Ingress, next: Ingress): boolean {
  const strip = (o: Ingress): string => {
    const { resourceVersion: _rv, managedFields: _mf, finalizers: _f, annotations: _a, ...meta } = o.metadata ?? {};
    return JSON.stringify([o.spec, meta, Object.entries(userAnnotations(o)).sort()]);
  };
  return strip(old) !== strip(next);
}

/** "AccessDenied: User … is not authorized …": the AWS (or apply) error code, then the message */
export function failureText(err: unknown): string {
  if (err instanceof ApplyError) return `${err.code}: ${err.message}`;
  if (err instanceof AwsError) return err.message.includes(`${err.awsCode}:`) ? err.message : `${err.awsCode}: ${err.message}`;
  const code = awsErrorCodeOf(err).replace(/Exception$/, '');
  const message = errorMessage(err);
  return code === 'Error' || message.startsWith(`${code}:`) ? message : `${code}: ${message}`;
}

const asV1 = (i: Ingress): V1Ingress => i as unknown as V1Ingress;
/** what ELBv2 and EC2 answer for a security group that does not exist */
const BACKEND_GROUP_GONE = new Set(['InvalidSecurityGroup', 'InvalidGroup.NotFound']);
const deleting = (o: KubeObject): boolean => !!o.metadata?.deletionTimestamp;
const labelsOf = (o: KubeObject): string => JSON.stringify(Object.entries(o.metadata?.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** a load balancer, target group or listener that a read found gone: the inventory was out of date */
const foundGone = (err: unknown): boolean => isAwsError(err) && err.code === 'NotFound';

/** what a group's last successful reconcile converged to, in memory */
interface GroupRecord {
  readonly checkpoint: string;
  /** listedDigest of the inventory entry seen with this checkpoint; undefined until a listing shows the stack after an apply */
  listed: string | undefined;
  /** the load balancer's DNS name, for the status of a reconcile that reads nothing */
  readonly dnsName: string | undefined;
  /** the frontend NLB's DNS name (enable-frontend-nlb), likewise */
  readonly frontendNlbDnsName?: string | undefined;
  /** estimated AWS reads of a full read of this stack (the drift budget's unit) */
  readonly cost: number;
}

/** estimated reads of observeStackDetails for a stack as observed (or, before the first full read, as listed) */
function fullReadCost(s: { loadBalancers: number; listeners: number; httpsListeners: number; targetGroups: number; taggedArns: number }): number {
  return 2 * s.loadBalancers + s.listeners + s.httpsListeners + s.targetGroups + Math.ceil(s.taggedArns / 20);
}

const costOfObserved = (o: ObservedState): number => fullReadCost({
  loadBalancers: o.loadBalancers.length, listeners: o.listeners.length, httpsListeners: o.listeners.filter((l) => l.spec.protocol === 'HTTPS').length,
  targetGroups: o.targetGroups.length, taggedArns: o.loadBalancers.length + o.targetGroups.length + o.listeners.length + o.rules.length,
}) + o.listeners.filter((l) => l.spec.attributes !== undefined).length; // observeExtras: one DescribeListenerAttributes each

const costOfEntry = (e: StackInventory): number => fullReadCost({
  loadBalancers: e.loadBalancerArns.length, listeners: e.loadBalancerArns.length, httpsListeners: 0,
  targetGroups: e.targetGroupArns.length, taggedArns: e.loadBalancerArns.length * 2 + e.targetGroupArns.length * 2,
});

/** a build, the facts it was made with, and the snapshot it read (with the OIDC client Secrets it names) */
interface Built { readonly built: BuildResult; readonly facts: DiscoveredFacts; readonly snapshot: Snapshot }

export class IngressGroupController {
  readonly #d: IngressGroupDeps;
  readonly #log: Logger;
  /** which stack each load balancer / target group ARN belongs to, shared by every listing */
  readonly #ownership = new OwnershipCache();
  readonly #inventory: InventoryCache;
  readonly #index = new IngressIndex();
  /** IngressClasses, their parameters and namespace labels: what classifying an Ingress reads besides itself */
  #classes: Snapshot | undefined;
  readonly #records = new Map<string, GroupRecord>();
  /** groups the drift rotation asked to read in full */
  readonly #driftDue = new Set<string>();

  constructor(deps: IngressGroupDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ controller: 'ingress' });
    this.#inventory = new InventoryCache(deps.aws, {
      clusterName: deps.config.clusterName, vpcId: deps.config.vpcId, cache: this.#ownership,
      ...(deps.inventoryMaxAgeMs !== undefined ? { maxAgeMs: deps.inventoryMaxAgeMs } : {}),
    });
    // the bindings of a stack, by its key (a reconcile reads them whether or not register() wires events)
    deps.informers.targetGroupBindings.addIndex('stack', (t) => { const k = stackKeyOf(t); return k ? [k] : []; });
  }

  /** the class snapshot: built once, dropped when a class, a parameters object or a namespace's labels change */
  #classSnapshot(): Snapshot {
    if (this.#classes) return this.#classes;
    const i = this.#d.informers;
    this.#classes = {
      ingresses: [],
      services: [],
      ingressClasses: i.ingressClasses.list() as unknown as Snapshot['ingressClasses'],
      ingressClassParams: i.ingressClassParams.list().map((p) => ({ metadata: { name: p.metadata?.name ?? '' }, spec: p.spec ?? {} })),
      namespaces: i.namespaces.list() as unknown as Snapshot['namespaces'],
    };
    return this.#classes;
  }

  /** what one Ingress is relevant to, from classifying it alone */
  relationsOf(ing: Ingress): IngressRelations {
    const c = classifyIngress(asV1(ing), this.#classSnapshot(), this.#d.config);
    const groups = new Set(groupsOfFinalizers(asV1(ing)).map(groupIdString));
    if (c.ours && !c.deleting) {
      if (c.group) groups.add(groupIdString(c.group));
      // a broken Ingress whose group cannot be told is still reported under its own key
      else if (groups.size === 0) groups.add(objectKey(ing));
    }
    const ns = ing.metadata?.namespace ?? 'default';
    const services = c.ours && !c.deleting ? referencedServices(c.member).map((n) => `${ns}/${n}`) : [];
    return { groups: [...groups].sort(), services };
  }

  /** re-classifies one Ingress; returns the group keys it was or now is relevant to */
  #reindex(ing: Ingress): string[] {
    return this.#index.set(objectKey(ing), this.relationsOf(ing));
  }

  /** group keys an Ingress is relevant to (its group and every group it still holds a finalizer for) */
  keysForIngress(ing: Ingress): string[] {
    return [...(this.#index.relationsOf(objectKey(ing)) ?? this.relationsOf(ing)).groups];
  }

  /** every group key some Ingress is relevant to (for the periodic resync) */
  allKeys(): string[] {
    return this.#index.groupKeys();
  }

  /** the grouping of the Ingresses relevant to `key`, as its reconcile sees them */
  grouping(key: string): Grouping {
    return groupMembers(this.#groupSnapshot(key), this.#d.config);
  }

  /** the drift rotation asks for `key` to be read in full at its next reconcile */
  markDriftDue(key: string): void {
    this.#driftDue.add(key);
  }

  /** every group, with what a drift check of it costs, for the drift rotation */
  driftEntries(): DriftEntry[] {
    return this.#index.groupKeys().map((key) => ({ controller: 'ingress' as const, key, cost: this.#records.get(key)?.cost ?? 5 }));
  }

  /** inventory listings made so far */
  get inventoryListings(): number {
    return this.#inventory.listings;
  }

  /** the Ingresses relevant to a group, the Services they route to, and the class snapshot: all a build reads */
  #groupSnapshot(key: string): Snapshot {
    const i = this.#d.informers;
    const ingresses: Ingress[] = [];
    const services = new Map<string, Service>();
    for (const ingKey of this.#index.ingressesOf(key)) {
      const ing = i.ingresses.getByKey(ingKey);
      if (!ing) continue;
      ingresses.push(ing);
      for (const svcKey of this.#index.relationsOf(ingKey)?.services ?? []) {
        const svc = i.services.getByKey(svcKey);
        if (svc) services.set(svcKey, svc);
      }
    }
    return { ...this.#classSnapshot(), ingresses: ingresses.map(asV1), services: [...services.values()] as unknown as Snapshot['services'] };
  }

  /** wires informer events to group keys on `queue` */
  register(queue: WorkQueue): void {
    const i = this.#d.informers;
    const enqueue = (keys: Iterable<string>, priority: Priority = 'user'): void => { for (const k of keys) queue.add(k, priority); };
    // an informer's first listing replays what existed before start: it queues as the start-up pass does (resync),
    // behind new work; an Ingress without any group finalizer of ours is new work (created while we were down)
    const initially = (inf: { hasSynced(): boolean }): Priority => (inf.hasSynced() ? 'user' : 'resync');
    const priorityOf = (ing: Ingress | undefined, priority: Priority): Priority =>
      (priority === 'resync' && ing && groupsOfFinalizers(asV1(ing)).length > 0 ? 'resync' : 'user');
    /** re-classifies Ingresses and queues the groups each was or is relevant to */
    const reclassify = (ings: Iterable<Ingress>, priority: Priority): void => {
      for (const ing of ings) enqueue(this.#reindex(ing), priorityOf(ing, priority));
    };
    i.ingresses.addHandlers({
      add: (ing) => reclassify([ing], initially(i.ingresses)),
      update: (ing, old) => {
        const before = this.#index.relationsOf(objectKey(ing))?.groups ?? [];
        const touched = this.#reindex(ing);
        const after = this.#index.relationsOf(objectKey(ing))?.groups ?? [];
        // our own writes (status, finalizers, annotations) re-index silently, unless the groups themselves changed
        if (ingressChanged(old, ing) || deleting(old) !== deleting(ing) || !sameList(before, after)) enqueue(touched);
      },
      delete: (ing) => enqueue(this.#index.delete(objectKey(ing))),
    });
    const viaService = (svc: Service, priority: Priority = 'user'): void => {
      for (const ingKey of this.#index.ingressesOfService(objectKey(svc))) {
        enqueue(this.#index.relationsOf(ingKey)?.groups ?? [], priorityOf(i.ingresses.getByKey(ingKey), priority));
      }
    };
    i.services.addHandlers({
      add: (svc) => viaService(svc, initially(i.services)),
      update: (svc, old) => { if (JSON.stringify([svc.spec, svc.metadata?.annotations, svc.metadata?.uid]) !== JSON.stringify([old.spec, old.metadata?.annotations, old.metadata?.uid])) viaService(svc); },
      delete: (svc) => viaService(svc),
    });
    // a namespace's labels decide IngressClassParams.namespaceSelector: re-classify its Ingresses
    const viaNamespace = (n: Namespace, priority: Priority = 'user'): void => {
      this.#classes = undefined;
      const name = n.metadata?.name;
      reclassify(name ? i.ingresses.list(name) : [], priority);
    };
    i.namespaces.addHandlers({
      add: (n) => viaNamespace(n, initially(i.namespaces)),
      update: (n, old) => { if (labelsOf(n) !== labelsOf(old)) viaNamespace(n); },
      delete: () => { this.#classes = undefined; },
    });
    // a class or its parameters can change which Ingresses are ours and how: re-classify every Ingress (rare)
    const everything = (priority: Priority = 'user'): void => {
      this.#classes = undefined;
      reclassify(i.ingresses.list(), priority);
    };
    for (const inf of [i.ingressClasses, i.ingressClassParams] as const) {
      (inf as typeof i.ingressClasses).addHandlers({ add: () => everything(initially(inf)), update: (n, o) => { if (JSON.stringify(n.spec) !== JSON.stringify(o.spec) || JSON.stringify(n.metadata?.annotations) !== JSON.stringify(o.metadata?.annotations)) everything(); }, delete: () => everything() });
    }
    // a binding removed by someone else is put back by its group
    i.targetGroupBindings.addHandlers({
      delete: (t) => { const k = stackKeyOf(t); if (k && this.#index.hasGroup(k)) enqueue([k]); },
    });
  }

  /** signal: the leadership (or shutdown) signal; once it aborts, apply stops between changes and nothing more is written */
  async reconcile(key: string, item?: QueueItem, signal?: AbortSignal): Promise<ReconcileResult> {
    const started = Date.now();
    const snapshot = this.#groupSnapshot(key);
    // the pure steps run in time slices: a large group never holds the event loop (ADR 10)
    const grouping = await runInSlices(groupMembersSteps(snapshot, this.#d.config));
    for (const m of grouping.ungrouped.filter((x) => x.key === key)) await this.#reportBroken(m.ing as unknown as Ingress, m.issues, 'FailedBuildModel');
    const group = grouping.groups.find((g) => g.key === key);
    if (!group) {
      this.#records.delete(key);
      this.#driftDue.delete(key);
      return;
    }
    try {
      const report = await this.#reconcileGroup(group, snapshot, item, signal);
      this.#log.info('reconciled group', { group: key, ms: Date.now() - started, ...report });
      // never block a worker on ACM: a member waiting for its certificate is looked at again later
      if (report.certificatesPending) return { requeueAfterMs: CERTIFICATE_PENDING_RECHECK_MS };
    } catch (err) {
      // whatever was read or written is in doubt: the retry reads the stack in full
      this.#records.delete(key);
      throw err;
    }
  }

  /**
   * build with the facts every group needs (and the backend security group's ID when it is known); fetch
   * certificates or security-group names only if the stack asks, and the OIDC client Secrets it names
   */
  async #buildWithFacts(snapshot: Snapshot, deployed: DeployedLoadBalancers, stackFacts: DiscoveredFacts): Promise<Built> {
    const { discovery, config } = this.#d;
    const withBackend = (f: DiscoveredFacts): DiscoveredFacts => {
      const id = this.#d.backendSecurityGroup?.known();
      return { ...f, ...stackFacts, ...(id ? { backendSecurityGroupId: id } : {}) };
    };
    const facts = withBackend(await discovery.discoverFacts({ certificates: false, securityGroups: false }));
    const first = await runInSlices(buildStacksSteps(snapshot, facts, config, deployed));
    const need = optionalFactsNeeded(first.stacks);
    // OIDC client Secrets: a GET of each one named (ADR 0014), then a rebuild; the build never sees the secret
    const secrets = oidcSecretsNeeded(first.stacks);
    const discover = need.certificates || need.securityGroups || need.webAcls || need.trustStoreNames.length > 0;
    if (!discover && secrets.length === 0) return { built: first, facts, snapshot };
    const withSecrets = secrets.length > 0 ? { ...snapshot, oidcSecrets: await readOidcSecretInfos(this.#d.kube.secrets, secrets) } : snapshot;
    const more = discover ? withBackend(await discovery.discoverFacts(need)) : facts;
    return { built: await runInSlices(buildStacksSteps(withSecrets, more, config, deployed)), facts: more, snapshot: withSecrets };
  }

  /**
   * A group that uses the shared backend security group has it before its plan: acquire marks the group as using
   * it (so it is not released meanwhile) and returns its ID, creating the group when there is none. A build made
   * without that ID, or with one released since, is made again with it.
   */
  async #withBackendSecurityGroup(key: string, deployed: DeployedLoadBalancers, first: Built): Promise<BuildResult> {
    const backend = this.#d.backendSecurityGroup;
    if (!backend || !first.built.groups.find((g) => g.id === key)?.usesBackendSecurityGroup) return first.built;
    const id = await backend.acquire(ingressStackKey(key));
    if (id === first.facts.backendSecurityGroupId) return first.built;
    return runInSlices(buildStacksSteps(first.snapshot, { ...first.facts, backendSecurityGroupId: id }, this.#d.config, deployed));
  }

  /** the inventory for a reconcile: a resync pass shares one listed after it began; other reconciles take one under a minute old */
  #inventoryFor(key: string, item: QueueItem | undefined): Promise<Inventory> {
    const passStart = item?.priority === 'resync' && !this.#driftDue.has(key) ? item.readyAt : 0;
    return this.#inventory.get(passStart);
  }

  async #reconcileGroup(group: IngressGroup, snapshot: Snapshot, item: QueueItem | undefined, signal: AbortSignal | undefined): Promise<GroupReconcileReport> {
    const { kube, events, config } = this.#d;
    const key = group.key;
    const current = (keys: readonly string[]): Ingress[] => keys.map((k) => this.#d.informers.ingresses.getByKey(k)).filter((x): x is Ingress => !!x);
    /** runs an AWS step; a failure is reported on every member (Event + status signal), then rethrown for a retry */
    const step = async <T>(what: string, memberKeys: readonly string[], run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (err) {
        // stopping or no longer leading: not the user's problem, and another replica may be writing now
        if (!signal?.aborted) await this.#reportDeployFailure(current(memberKeys), `${what} failed: ${failureText(err)}`);
        throw err;
      }
    };
    // 1. finalizer on every active member before anything is created for it
    await mapLimit(group.members, MEMBER_WRITES, async (m) => {
      const ing = m.ing as unknown as Ingress;
      try {
        await addFinalizer(kube.ingresses, ing, group.finalizer);
      } catch (err) {
        void events.warning(ing, 'FailedAddFinalizer', `adding finalizer ${group.finalizer}: ${errorMessage(err)}`);
        throw err;
      }
    });
    // 2. the group's entry in the inventory first: which members are deployed already (their status shows this load
    //    balancer) decides who keeps a contested value (ADR 6); then build this group alone, from the members' and
    //    leavers' objects
    const memberKeys = group.members.map((m) => m.key);
    let inventory = await step('reading the load balancer from AWS', memberKeys, () => this.#inventoryFor(key, item));
    let entry = inventory.stack(key);
    let lbDnsName = this.#knownDnsName(key, entry);
    if (lbDnsName === undefined && entry.loadBalancerArns.length > 0) {
      // changed by an apply whose outcome this process no longer holds: list again for its description
      this.#inventory.invalidate();
      inventory = await step('reading the load balancer from AWS', memberKeys, () => this.#inventory.get());
      entry = inventory.stack(key);
      lbDnsName = this.#knownDnsName(key, entry);
    }
    const deployed: DeployedLoadBalancers = new Map(lbDnsName ? [[key, lbDnsName]] : []);
    const restricted: Snapshot = { ...snapshot, ingresses: [...group.members.map((m) => m.ing), ...group.inactive] };
    // create-acm-cert: the certificates are requested (never awaited) before the build, which attaches the issued ones
    const certificates = this.#d.certificates;
    const requests = certificates ? certificateRequests(config, key, group.members) : [];
    const acm: EnsureResult | undefined = certificates
      ? await step('requesting ACM certificates', memberKeys, () => certificates.ensure(key, requests)) : undefined;
    if (acm?.requested.length) await this.#reportRequested(group, acm);
    const discovered = await step('discovering AWS resources', memberKeys,
      () => this.#buildWithFacts(restricted, deployed, acm ? { managedCertificates: acm.managed } : {}));
    const built = await step('finding or creating the shared backend security group', memberKeys,
      () => this.#withBackendSecurityGroup(key, deployed, discovered));
    const outcome = built.groups.find((g) => g.id === key);
    const stack = built.stacks.find((s) => s.id === key);
    const byIngress = new Map<string, Issue[]>();
    const others: Issue[] = [];
    for (const i of built.issues) {
      if (i.object.kind !== 'Ingress') { others.push(i); continue; }
      const k = `${i.object.namespace}/${i.object.name}`;
      const list = byIngress.get(k);
      if (list) list.push(i);
      else byIngress.set(k, [i]);
    }
    const issuesOf = (ingKey: string): Issue[] => byIngress.get(ingKey) ?? others;
    const excluded = outcome?.excluded ?? group.members.map((m) => m.key);
    await mapLimit(excluded, MEMBER_WRITES, async (ingKey) => {
      const ing = this.#d.informers.ingresses.getByKey(ingKey);
      if (ing) await this.#reportBroken(ing, issuesOf(ingKey), 'FailedBuildModel');
    });
    await this.#reportServices(built.issues);
    await mapLimit(outcome?.contests ?? [], MEMBER_WRITES, async (c) => {
      const holder = this.#d.informers.ingresses.getByKey(c.holder);
      if (holder) await events.warning(holder, CONFLICTING_MEMBER_REFUSED, `Ingress ${c.newcomer} asked for ${c.what} in group ${key}; this Ingress was in the group first and keeps it, so ${c.newcomer} is left out`);
    });
    const certificatesPending = built.issues.filter((i) => i.code === 'CertificatePending').length;
    if (!outcome || outcome.blocked || !stack) {
      return { key, members: [], excluded, changes: 0, certificatesPending };
    }

    // 3. the checkpoint: an unchanged stack with no drift check due is not read further
    const bindings = this.#d.informers.targetGroupBindings.byIndex('stack', key);
    const settings = { clusterName: config.clusterName, externalManagedTags: config.externalManagedTags };
    const identityNow = (entry: StackInventory): StackIdentity => observedIdentity(entry, bindings
      .filter((t) => !deleting(t)).map((t: TargetGroupBinding) => bindingIdentity(t.metadata?.namespace ?? '', t.metadata?.name ?? '', t.spec.targetGroupARN ?? '')));
    const checkpoint = stackCheckpoint(stack, identityNow(entry), settings);
    const holder = this.#d.informers.ingresses.getByKey(outcome.members[0] ?? '');
    if (!this.#driftDue.has(key) && this.#unchanged(key, checkpoint, entry, holder)) {
      this.#d.metrics.stackReads.inc({ controller: 'ingress', read: 'checkpoint' });
      // the checkpoint covers the stack, so whether it uses the backend security group too
      this.#d.backendSecurityGroup?.settle(ingressStackKey(key), outcome.usesBackendSecurityGroup);
      const dnsName = lbDnsName;
      await this.#writeBack(current(outcome.members), stack, [dnsName, this.#knownDnsName(key, entry, 'network')], false);
      await this.#releaseLeavers(outcome.inactive, group.finalizer, dnsName);
      return { key, members: outcome.members, excluded, changes: 0, ...(dnsName ? { dnsName } : {}), read: 'checkpoint', certificatesPending };
    }

    // 4. read (in full, or only what a deletion needs), plan, apply
    const forDeletion = stack.resources.length === 0;
    const read: StackRead = forDeletion ? 'deletion' : 'full';
    const observe = (e: StackInventory, inv: Inventory): Promise<ObservedState> => {
      const opts = { clusterName: config.clusterName, vpcId: config.vpcId, cache: this.#ownership };
      if (forDeletion) return observeForDeletion(this.#d.aws, key, e, opts);
      // then what only some stacks set (listener attributes, a capacity reservation, a web ACL, a Shield protection):
      // read only where the stack sets it
      const addons = this.#d.aws.addons;
      return observeStackDetails(this.#d.aws, key, e, { ...opts, listedTags: inv.tags })
        .then((o) => observeExtras(this.#d.aws.elbv2, stack, o))
        .then((o) => (addons ? observeAddons(addons, stack, o) : o));
    };
    const observed = await step('reading the load balancer from AWS', outcome.members, async () => {
      try {
        return await observe(entry, inventory);
      } catch (err) {
        if (!foundGone(err)) throw err;
        // deleted since the listing (by hand, or by another group's apply): list again, once
        this.#inventory.invalidate();
        const fresh = await this.#inventory.get();
        entry = fresh.stack(key);
        return observe(entry, fresh);
      }
    });
    this.#d.metrics.stackReads.inc({ controller: 'ingress', read });
    const observedBindings = bindings.map(fromWire);
    const plan = await step('planning', outcome.members,
      () => runInSlices(planStackSteps(stack, observed, { clusterName: config.clusterName, externalManagedTags: config.externalManagedTags, observedBindings })));
    const changes = plan.changes.filter((c) => c.action !== 'noop').length;
    const changing = hasChanges(plan);
    if (changing) {
      this.#log.info('applying plan', { group: key, ...summarize(plan), changes: plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action}${c.phase ? `(${c.phase})` : ''} ${c.kind}/${c.id}`) });
      // the stack stops matching any checkpoint the moment the first change is made
      if (holder) await step('clearing the checkpoint', outcome.members, () => patchAnnotations(kube.ingresses, holder, { [CHECKPOINT_ANNOTATION]: null }));
    }
    const result = await step('applying the plan', outcome.members, () => applyPlan(plan, {
      elbv2: this.#d.aws.elbv2, ec2: this.#d.aws.ec2, clusterName: config.clusterName,
      externalManagedTags: config.externalManagedTags, kube: new KubeBindingWriter(kube.targetGroupBindings), observed,
      oidcClients: oidcClientReader(kube.secrets),
      ...(this.#d.aws.addons ? { addons: this.#d.aws.addons, shieldOnDelete: config.addons?.shield ?? true } : {}),
      ...(this.#d.onTargetGroupCreated ? { onTargetGroupCreated: this.#d.onTargetGroupCreated } : {}),
      logger: { info: (m, f) => this.#log.info(m, { group: key, ...f }), warn: (m, f) => this.#log.warn(m, { group: key, ...f }) },
      ...(signal ? { signal } : {}),
    }).catch((err: unknown) => { this.#inventory.invalidate(); throw err; }));
    const members = current(outcome.members);
    if (result.errors?.length) {
      this.#inventory.invalidate();
      const f = result.errors[0];
      // the backend group was deleted behind the controller's back: look it up again (or create it) next time
      if (f && BACKEND_GROUP_GONE.has(f.code)) this.#d.backendSecurityGroup?.forget();
      if (!signal?.aborted) await this.#reportDeployFailure(members, f ? `${f.resource}: ${f.action} failed: ${f.code}: ${f.message}` : 'apply failed');
      throw new Error(`group ${key}: ${f?.resource} ${f?.action} failed: ${f?.code}: ${f?.message}`);
    }

    for (const w of result.warnings ?? []) for (const ing of members) await this.#d.events.warning(ing, 'AddonSkipped', w);

    // the stack's certificates no member asks for any more, once no listener of the stack uses them
    if (certificates && acm) {
      const inUse = new Set(stack.resources.flatMap((r) => (r.kind === 'Listener' ? r.spec.certificates.filter((c): c is string => typeof c === 'string') : [])));
      const own = observed.loadBalancers.map((lb) => lb.arn);
      const deleted = await step('deleting ACM certificates', outcome.members, () => certificates.release(acm.managed, requests, inUse, own));
      if (deleted.length > 0) this.#log.info('deleted ACM certificates', { group: key, certificates: deleted });
    }

    // 5. remember what the stack converged to, write back
    const identity = changing ? appliedIdentity(stack, result.arns) : identityNow(entry);
    if (changing) this.#inventory.applied(key, identity);
    const converged = stackCheckpoint(stack, identity, settings);
    this.#records.set(key, {
      checkpoint: converged, listed: changing || !entry.listed ? undefined : listedDigest(entry.listed), dnsName: result.dnsName,
      frontendNlbDnsName: result.frontendNlbDnsName, cost: forDeletion ? costOfEntry(entry) : costOfObserved(observed),
    });
    this.#driftDue.delete(key);
    await this.#keepCheckpoint(outcome.members, stack.resources.length > 0 ? converged : undefined);
    await this.#writeBack(members, stack, [result.dnsName, result.frontendNlbDnsName], changing);
    // the backend security group learns whether this group still uses it (and goes when none does)
    this.#d.backendSecurityGroup?.settle(ingressStackKey(key), outcome.usesBackendSecurityGroup);
    // what this group's status entries show: its load balancer now, or the one it just deleted
    await this.#releaseLeavers(outcome.inactive, group.finalizer, result.dnsName ?? observed.loadBalancers.find((l) => l.spec.type !== 'network')?.dnsName);
    return { key, members: outcome.members, excluded, changes, ...(result.dnsName ? { dnsName: result.dnsName } : {}), read, certificatesPending };
  }

  /** a Normal Event on each member a certificate was just requested for */
  async #reportRequested(group: IngressGroup, acm: EnsureResult): Promise<void> {
    for (const c of acm.managed.filter((x) => acm.requested.includes(x.arn))) {
      const m = group.members.find((x) => c.arn && certificateRequests(this.#d.config, group.key, [x]).some((r) => r.resourceId === c.resourceId));
      const ing = m ? this.#d.informers.ingresses.getByKey(m.key) : undefined;
      if (ing) await this.#d.events.normal(ing, 'CertificateRequested', `requested ACM certificate ${c.arn} for ${c.subjectAlternativeNames.join(', ')} (${c.status})`);
    }
  }

  /**
   * The DNS name of the stack's ALB (or of its frontend NLB, the stack's one network load balancer): as listed, else
   * as the last successful reconcile of it left it.
   */
  #knownDnsName(key: string, entry: StackInventory, type: 'application' | 'network' = 'application'): string | undefined {
    if (entry.loadBalancerArns.length === 0) return undefined;
    const listed = entry.listed?.loadBalancers.find((l) => (l.Type === 'network') === (type === 'network'));
    const record = this.#records.get(key);
    return listed?.DNSName?.toLowerCase() ?? (type === 'network' ? record?.frontendNlbDnsName : record?.dnsName);
  }

  /**
   * whether the stack is as the last successful reconcile left it: the checkpoint this process recorded (and the
   * listing shows what it showed then), or, after a restart, the one on the group's first member
   */
  #unchanged(key: string, checkpoint: string, entry: StackInventory, holder: Ingress | undefined): boolean {
    const record = this.#records.get(key);
    const digest = entry.listed ? listedDigest(entry.listed) : undefined;
    if (record) {
      if (record.checkpoint !== checkpoint) return false;
      if (record.listed !== undefined && digest !== undefined && record.listed !== digest) return false;
      record.listed ??= digest;
      return true;
    }
    if (!holder || holder.metadata?.annotations?.[CHECKPOINT_ANNOTATION] !== checkpoint) return false;
    this.#records.set(key, { checkpoint, listed: digest, dnsName: undefined, cost: costOfEntry(entry) });
    return true;
  }

  /** the checkpoint on the group's first member only (undefined: on none) */
  async #keepCheckpoint(memberKeys: readonly string[], checkpoint: string | undefined): Promise<void> {
    for (const [i, ingKey] of memberKeys.entries()) {
      const ing = this.#d.informers.ingresses.getByKey(ingKey);
      if (!ing) continue;
      const value = i === 0 && checkpoint !== undefined ? checkpoint : null;
      try {
        await patchAnnotations(this.#d.kube.ingresses, ing, { [CHECKPOINT_ANNOTATION]: value });
      } catch (err) {
        // only a restart's cost depends on it: the stack is then read in full once
        this.#log.warn('could not write the checkpoint', { ingress: ingKey, error: errorMessage(err) });
      }
    }
  }

  /** Ingresses that left the group or are being deleted: the finalizer goes, and the status if it still shows this group's load balancer */
  async #releaseLeavers(inactive: readonly string[], finalizer: string, shownHostname: string | undefined): Promise<void> {
    const { kube, events } = this.#d;
    for (const ingKey of inactive) {
      const ing = this.#d.informers.ingresses.getByKey(ingKey);
      if (!ing) continue;
      try {
        await removeFinalizer(kube.ingresses, ing, finalizer);
        if (!deleting(ing) && shownHostname) await clearLoadBalancerStatusIfShowing(kube.ingresses, ing, shownHostname);
      } catch (err) {
        void events.warning(ing, 'FailedRemoveFinalizer', `removing finalizer ${finalizer}: ${errorMessage(err)}`);
        throw err;
      }
    }
  }

  /** `dnsNames`: the ALB's, then the frontend NLB's (a second status entry, as upstream) when the stack has one */
  async #writeBack(members: readonly Ingress[], stack: Stack, dnsNames: readonly [string | undefined, string | undefined], changed: boolean): Promise<void> {
    const { kube, events, metrics } = this.#d;
    const portsOf = (lbId: string): number[] => stack.resources.flatMap((r) => (r.kind === 'Listener' && isRef(r.spec.loadBalancer) && (r.spec.loadBalancer as { $ref: { id: string } }).$ref.id === lbId ? [r.spec.port] : []));
    const [dnsName, frontendDnsName] = dnsNames;
    const frontend = frontendDnsName && findResource(stack, 'LoadBalancer', FRONTEND_NLB_ID) ? [loadBalancerEntry(frontendDnsName, portsOf(FRONTEND_NLB_ID))] : [];
    const entries: LoadBalancerIngressEntry[] = dnsName ? [loadBalancerEntry(dnsName, portsOf(LOAD_BALANCER_ID)), ...frontend] : [];
    await mapLimit(members, MEMBER_WRITES, async (ing) => {
      const ns = ing.metadata?.namespace ?? 'default';
      const name = ing.metadata?.name ?? '';
      try {
        const statusChanged = entries.length > 0 && await updateLoadBalancerStatus(kube.ingresses, ing, entries);
        const signalChanged = await writeReconcileStatus(kube.ingresses, ing, { reason: 'SuccessfullyReconciled', message: '' });
        if (statusChanged || signalChanged || changed) void events.normal(ing, 'SuccessfullyReconciled', 'Successfully reconciled');
        metrics.ingressReconciles.inc({ namespace: ns, ingress: name, outcome: 'success' });
      } catch (err) {
        metrics.ingressErrors.inc({ namespace: ns, ingress: name, reason: 'FailedUpdateStatus' });
        void events.warning(ing, 'FailedUpdateStatus', `updating status: ${errorMessage(err)}`);
        throw err;
      }
    });
  }

  async #reportBroken(ing: Ingress, issues: readonly Issue[], reason: string): Promise<void> {
    const ns = ing.metadata?.namespace ?? 'default';
    const name = ing.metadata?.name ?? '';
    const message = issues.length > 0 ? issues.map(formatIssue).join('; ') : 'left out of its group by an error elsewhere in the group';
    this.#d.metrics.ingressErrors.inc({ namespace: ns, ingress: name, reason });
    this.#d.metrics.ingressReconciles.inc({ namespace: ns, ingress: name, outcome: 'error' });
    this.#log.warn('ingress has errors', { ingress: `${ns}/${name}`, reason, message });
    await this.#d.events.warning(ing, reason, message);
    await this.#signal(ing, reason, message);
  }

  /**
   * A bad or refused annotation on a backend Service: a Warning Event on the Service too (reason: the Issue's
   * code), so its owner sees it; the Ingresses that route to it got theirs, naming the Service.
   */
  async #reportServices(issues: readonly Issue[]): Promise<void> {
    const seen = new Set<string>();
    for (const i of issues) {
      if (i.object.kind !== 'Service' || seen.has(formatIssue(i))) continue;
      seen.add(formatIssue(i));
      const svc = this.#d.informers.services.get(i.object.name, i.object.namespace);
      if (svc) await this.#d.events.warning(svc, i.code, `${i.field}: ${i.reason}`);
    }
  }

  async #reportDeployFailure(members: readonly Ingress[], message: string): Promise<void> {
    await mapLimit(members, MEMBER_WRITES, async (ing) => {
      this.#d.metrics.ingressErrors.inc({ namespace: ing.metadata?.namespace ?? 'default', ingress: ing.metadata?.name ?? '', reason: 'FailedDeployModel' });
      this.#d.metrics.ingressReconciles.inc({ namespace: ing.metadata?.namespace ?? 'default', ingress: ing.metadata?.name ?? '', outcome: 'error' });
      await this.#d.events.warning(ing, 'FailedDeployModel', message);
      await this.#signal(ing, 'FailedDeployModel', message);
    });
  }

  /** the ADR 0002 signal: the status annotation, and the reason on every port of an existing status entry */
  async #signal(ing: Ingress, reason: string, message: string): Promise<void> {
    try {
      await writeReconcileStatus(this.#d.kube.ingresses, ing, { reason, message });
      const current = ing.status?.loadBalancer?.ingress as readonly LoadBalancerIngressEntry[] | undefined;
      if (current?.length) await updateLoadBalancerStatus(this.#d.kube.ingresses, ing, withPortError(current, portError(reason)));
    } catch (err) {
      this.#log.warn('could not write the status signal', { ingress: objectKey(ing), error: errorMessage(err) });
    }
  }
}
