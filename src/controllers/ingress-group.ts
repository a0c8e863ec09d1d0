// The IngressGroup loop: key = group ID ("name" for an explicit group, "namespace/name" for a lone Ingress).
//   load members from the informer caches → build the group's stack (pure) with cached discovered facts →
//   observe what AWS holds for the stack → plan → apply (zero writes when the plan is all noops) → write back:
//   finalizers, status.loadBalancer, the reconcile-status annotation (ADR 0002), Events, metrics.
// Errors stay local: a broken member is reported on that Ingress and left out; the rest of the group is served.
import type { V1Ingress } from '@kubernetes/client-node';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApplyError, applyPlan, type ApplyResult } from '../deploy/apply.ts';
import { AwsError, awsErrorCodeOf } from '../aws/errors.ts';
import { mapLimit } from '../aws/util.ts';
import { observeStack, OwnershipCache } from '../deploy/observe.ts';
import {
  buildStacksSteps, groupMembersSteps, groupKeysOfIngress, oidcSecretsNeeded, optionalFactsNeeded, type BuildConfig, type BuildResult, type DeployedLoadBalancers, type IngressGroup, type Snapshot,
} from '../ingress/index.ts';
import { addFinalizer, removeFinalizer } from '../k8s/finalizers.ts';
import { oidcClientReader, readOidcSecretInfos } from '../k8s/oidc-secrets.ts';
import type { EventRecorder } from '../k8s/events.ts';
import type { Informers } from '../k8s/informer.ts';
import type { KubeClients } from '../k8s/client.ts';
import type { QueueItem, ReconcileResult, WorkQueue } from '../k8s/queue.ts';
import {
  clearLoadBalancerStatusIfShowing, loadBalancerEntry, portError, RECONCILE_STATUS_ANNOTATION, updateLoadBalancerStatus, withPortError, writeReconcileStatus,
  type LoadBalancerIngressEntry,
} from '../k8s/status.ts';
import { objectKey, type Ingress, type KubeObject, type Namespace, type Service } from '../k8s/types.ts';
import type { DiscoveredFacts, Issue, Stack } from '../model/index.ts';
import { formatIssue } from '../model/issues.ts';
import { hasChanges, planStackSteps, summarize, type Plan } from '../plan/index.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import type { ControllerMetrics } from '../server/metrics.ts';
import { ingressStackKey, type BackendSecurityGroup } from './backend-security-group.ts';
import { belongsToStack, fromWire, KubeBindingWriter } from './bindings.ts';
import { runInSlices } from './time-slices.ts';

export interface IngressControllerConfig extends BuildConfig {
  readonly externalManagedTags: readonly string[];
  readonly vpcId: string;
}

export interface FactsSource {
  discoverFacts(what?: { subnets?: boolean; securityGroups?: boolean; certificates?: boolean }): Promise<DiscoveredFacts>;
}

export interface IngressGroupDeps {
  readonly config: IngressControllerConfig;
  readonly informers: Informers;
  readonly kube: KubeClients;
  readonly aws: { readonly elbv2: ElasticLoadBalancingV2Client; readonly ec2: EC2Client };
  readonly discovery: FactsSource;
  /** the shared backend security group; absent with --enable-backend-security-group=false */
  readonly backendSecurityGroup?: BackendSecurityGroup;
  readonly events: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
}

/** what one reconcile did, for logs and tests */
export interface GroupReconcileReport {
  readonly key: string;
  readonly members: readonly string[];
  readonly excluded: readonly string[];
  readonly changes: number;
  readonly dnsName?: string;
}

const ACTIONS_ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io/actions.';
/** writes to the members of one group (finalizers, status, Events) in flight at once: a 2,000-member group is not 2,000 round trips in a row */
const MEMBER_WRITES = 8;

/** Event reason on a member that kept a value or host another member asked for (ADR 6) */
export const CONFLICTING_MEMBER_REFUSED = 'ConflictingMemberRefused';

/** Services an Ingress routes to: rule backends, the default backend, and forward actions in annotations */
export function servicesOfIngress(ing: Ingress): string[] {
  const ns = ing.metadata?.namespace ?? 'default';
  const names = new Set<string>();
  const dflt = ing.spec?.defaultBackend?.service?.name;
  if (dflt) names.add(dflt);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) if (p.backend?.service?.name) names.add(p.backend.service.name);
  for (const [k, v] of Object.entries(ing.metadata?.annotations ?? {})) {
    if (!k.startsWith(ACTIONS_ANNOTATION_PREFIX) || typeof v !== 'string') continue; // a malformed value is reported by the build
    for (const m of v.matchAll(/"serviceName"\s*:\s*"([^"]+)"/g)) names.add(m[1] as string);
  }
  return [...names].sort().map((n) => `${ns}/${n}`);
}

/** an update worth a reconcile: more than status, resourceVersion, managed fields, our status annotation or finalizers */
export function ingressChanged(old: Ingress, next: Ingress): boolean {
  const strip = (o: Ingress): string => {
    const { resourceVersion: _rv, managedFields: _mf, finalizers: _f, annotations, ...meta } = o.metadata ?? {};
    const { [RECONCILE_STATUS_ANNOTATION]: _a, ...rest } = annotations ?? {};
    return JSON.stringify([o.spec, meta, Object.entries(rest).sort()]);
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

/** a build, the facts it was made with, and the snapshot it read (with the OIDC client Secrets it names) */
interface Built { readonly built: BuildResult; readonly facts: DiscoveredFacts; readonly snapshot: Snapshot }

export class IngressGroupController {
  readonly #d: IngressGroupDeps;
  readonly #log: Logger;
  /** which stack each load balancer / target group ARN belongs to, shared by every group's observe */
  readonly #ownership = new OwnershipCache();

  constructor(deps: IngressGroupDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ controller: 'ingress' });
  }

  snapshot(): Snapshot {
    const i = this.#d.informers;
    return {
      ...this.#classSnapshot(),
      ingresses: i.ingresses.list().map(asV1),
      services: i.services.list() as unknown as Snapshot['services'],
    };
  }

  /**
   * What telling an Ingress's group needs (classes, their parameters, namespace labels), without the
   * Ingresses and Services: an informer event costs O(classes), not O(cluster).
   */
  #classSnapshot(): Snapshot {
    const i = this.#d.informers;
    return {
      ingresses: [],
      services: [],
      ingressClasses: i.ingressClasses.list() as unknown as Snapshot['ingressClasses'],
      ingressClassParams: i.ingressClassParams.list().map((p) => ({ metadata: { name: p.metadata?.name ?? '' }, spec: p.spec ?? {} })),
      namespaces: i.namespaces.list() as unknown as Snapshot['namespaces'],
    };
  }

  /** group keys an Ingress is relevant to (its group and every group it still holds a finalizer for) */
  keysForIngress(ing: Ingress, snapshot = this.#classSnapshot()): string[] {
    const keys = groupKeysOfIngress(asV1(ing), snapshot, this.#d.config);
    // a broken Ingress whose group cannot be told is still reported under its own key
    return keys.length > 0 ? keys : [objectKey(ing)];
  }

  /** every group key known from the cache (for the periodic resync) */
  allKeys(): string[] {
    const snapshot = this.#classSnapshot();
    const keys = new Set<string>();
    for (const ing of this.#d.informers.ingresses.list()) for (const k of this.keysForIngress(ing, snapshot)) keys.add(k);
    return [...keys].sort();
  }

  /** wires informer events to group keys on `queue` */
  register(queue: WorkQueue): void {
    const i = this.#d.informers;
    i.ingresses.addIndex('service', servicesOfIngress);
    const enqueue = (keys: Iterable<string>): void => { for (const k of keys) queue.add(k, 'user'); };
    i.ingresses.addHandlers({
      add: (ing) => enqueue(this.keysForIngress(ing)),
      update: (ing, old) => {
        if (!ingressChanged(old, ing) && deleting(old) === deleting(ing)) return;
        enqueue(new Set([...this.keysForIngress(ing), ...this.keysForIngress(old)]));
      },
      delete: (ing) => enqueue(this.keysForIngress(ing)),
    });
    const viaService = (svc: Service): void => {
      const snapshot = this.#classSnapshot();
      const keys = new Set<string>();
      for (const ing of i.ingresses.byIndex('service', objectKey(svc))) for (const k of this.keysForIngress(ing, snapshot)) keys.add(k);
      enqueue(keys);
    };
    i.services.addHandlers({
      add: viaService,
      update: (svc, old) => { if (JSON.stringify([svc.spec, svc.metadata?.annotations, svc.metadata?.uid]) !== JSON.stringify([old.spec, old.metadata?.annotations, old.metadata?.uid])) viaService(svc); },
      delete: viaService,
    });
    // a namespace's labels decide IngressClassParams.namespaceSelector: re-check the groups of its Ingresses
    const viaNamespace = (n: Namespace): void => {
      const name = n.metadata?.name;
      const ings = name ? i.ingresses.list(name) : [];
      if (ings.length === 0) return;
      const snapshot = this.#classSnapshot();
      const keys = new Set<string>();
      for (const ing of ings) for (const k of this.keysForIngress(ing, snapshot)) keys.add(k);
      enqueue(keys);
    };
    i.namespaces.addHandlers({
      add: viaNamespace,
      update: (n, old) => { if (labelsOf(n) !== labelsOf(old)) viaNamespace(n); },
    });
    const everything = (): void => enqueue(this.allKeys());
    for (const inf of [i.ingressClasses, i.ingressClassParams] as const) {
      (inf as typeof i.ingressClasses).addHandlers({ add: everything, update: (n, o) => { if (JSON.stringify(n.spec) !== JSON.stringify(o.spec) || JSON.stringify(n.metadata?.annotations) !== JSON.stringify(o.metadata?.annotations)) everything(); }, delete: everything });
    }
  }

  /** signal: the leadership (or shutdown) signal; once it aborts, apply stops between changes and nothing more is written */
  async reconcile(key: string, _item?: QueueItem, signal?: AbortSignal): Promise<ReconcileResult> {
    const started = Date.now();
    const snapshot = this.snapshot();
    // the pure steps run in time slices: a large cluster or group never holds the event loop (ADR 10)
    const grouping = await runInSlices(groupMembersSteps(snapshot, this.#d.config));
    for (const m of grouping.ungrouped.filter((x) => x.key === key)) await this.#reportBroken(m.ing as unknown as Ingress, m.issues, 'FailedBuildModel');
    const group = grouping.groups.find((g) => g.key === key);
    if (!group) return;
    const report = await this.#reconcileGroup(group, snapshot, signal);
    this.#log.info('reconciled group', { group: key, ms: Date.now() - started, ...report });
  }

  /**
   * build with the facts every group needs (and the backend security group's ID when it is known); fetch
   * certificates or security-group names only if the stack asks, and the OIDC client Secrets it names
   */
  async #buildWithFacts(snapshot: Snapshot, deployed: DeployedLoadBalancers): Promise<Built> {
    const { discovery, config } = this.#d;
    const withBackend = (f: DiscoveredFacts): DiscoveredFacts => {
      const id = this.#d.backendSecurityGroup?.known();
      return id ? { ...f, backendSecurityGroupId: id } : f;
    };
    const facts = withBackend(await discovery.discoverFacts({ certificates: false, securityGroups: false }));
    const first = await runInSlices(buildStacksSteps(snapshot, facts, config, deployed));
    const need = optionalFactsNeeded(first.stacks);
    // OIDC client Secrets: a GET of each one named (ADR 0014), then a rebuild; the build never sees the secret
    const secrets = oidcSecretsNeeded(first.stacks);
    if (!need.certificates && !need.securityGroups && secrets.length === 0) return { built: first, facts, snapshot };
    const withSecrets = secrets.length > 0 ? { ...snapshot, oidcSecrets: await readOidcSecretInfos(this.#d.kube.secrets, secrets) } : snapshot;
    const more = need.certificates || need.securityGroups ? withBackend(await discovery.discoverFacts(need)) : facts;
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

  async #reconcileGroup(group: IngressGroup, snapshot: Snapshot, signal: AbortSignal | undefined): Promise<GroupReconcileReport> {
    const { kube, events } = this.#d;
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
    // 2. observe first: which members are deployed already (their status shows this load balancer) decides who
    //    keeps a contested value (ADR 6); then build this group alone, from the members' and leavers' objects
    const memberKeys = group.members.map((m) => m.key);
    const observed = await step('reading the load balancer from AWS', memberKeys,
      () => observeStack(this.#d.aws, { clusterName: this.#d.config.clusterName, vpcId: this.#d.config.vpcId, stackId: key, cache: this.#ownership }));
    const lbDnsName = observed.loadBalancers[0]?.dnsName;
    const deployed: DeployedLoadBalancers = new Map(lbDnsName ? [[key, lbDnsName]] : []);
    const restricted: Snapshot = { ...snapshot, ingresses: [...group.members.map((m) => m.ing), ...group.inactive] };
    const discovered = await step('discovering AWS resources', memberKeys, () => this.#buildWithFacts(restricted, deployed));
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
    if (!outcome || outcome.blocked || !stack) {
      return { key, members: [], excluded, changes: 0 };
    }

    // 3. plan, apply
    const observedBindings = this.#d.informers.targetGroupBindings.list().filter((t) => belongsToStack(t, group.id)).map(fromWire);
    const plan = await step('planning', outcome.members,
      () => runInSlices(planStackSteps(stack, observed, { clusterName: this.#d.config.clusterName, externalManagedTags: this.#d.config.externalManagedTags, observedBindings })));
    const changes = plan.changes.filter((c) => c.action !== 'noop').length;
    if (hasChanges(plan)) this.#log.info('applying plan', { group: key, ...summarize(plan), changes: plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action}${c.phase ? `(${c.phase})` : ''} ${c.kind}/${c.id}`) });
    const result = await step('applying the plan', outcome.members, () => applyPlan(plan, {
      elbv2: this.#d.aws.elbv2, ec2: this.#d.aws.ec2, clusterName: this.#d.config.clusterName,
      externalManagedTags: this.#d.config.externalManagedTags, kube: new KubeBindingWriter(kube.targetGroupBindings), observed,
      oidcClients: oidcClientReader(kube.secrets),
      logger: { info: (m, f) => this.#log.info(m, { group: key, ...f }), warn: (m, f) => this.#log.warn(m, { group: key, ...f }) },
      ...(signal ? { signal } : {}),
    }));
    const members = current(outcome.members);
    if (result.errors?.length) {
      const f = result.errors[0];
      // the backend group was deleted behind the controller's back: look it up again (or create it) next time
      if (f && BACKEND_GROUP_GONE.has(f.code)) this.#d.backendSecurityGroup?.forget();
      if (!signal?.aborted) await this.#reportDeployFailure(members, f ? `${f.resource}: ${f.action} failed: ${f.code}: ${f.message}` : 'apply failed');
      throw new Error(`group ${key}: ${f?.resource} ${f?.action} failed: ${f?.code}: ${f?.message}`);
    }

    // 4. write back; the backend security group learns whether this group still uses it (and goes when none does)
    await this.#writeBack(members, stack, plan, result);
    this.#d.backendSecurityGroup?.settle(ingressStackKey(key), outcome.usesBackendSecurityGroup);
    // what this group's status entries show: its load balancer now, or the one it just deleted
    const shownHostname = result.dnsName ?? observed.loadBalancers[0]?.dnsName;
    for (const ingKey of outcome.inactive) {
      const ing = this.#d.informers.ingresses.getByKey(ingKey);
      if (!ing) continue;
      try {
        await removeFinalizer(kube.ingresses, ing, group.finalizer);
        if (!deleting(ing) && shownHostname) await clearLoadBalancerStatusIfShowing(kube.ingresses, ing, shownHostname);
      } catch (err) {
        void events.warning(ing, 'FailedRemoveFinalizer', `removing finalizer ${group.finalizer}: ${errorMessage(err)}`);
        throw err;
      }
    }
    return { key, members: outcome.members, excluded, changes, ...(result.dnsName ? { dnsName: result.dnsName } : {}) };
  }

  async #writeBack(members: readonly Ingress[], stack: Stack, plan: Plan, result: ApplyResult): Promise<void> {
    const { kube, events, metrics } = this.#d;
    const ports = stack.resources.filter((r) => r.kind === 'Listener').map((r) => (r.kind === 'Listener' ? r.spec.port : 0));
    const entries: LoadBalancerIngressEntry[] = result.dnsName ? [loadBalancerEntry(result.dnsName, ports)] : [];
    await mapLimit(members, MEMBER_WRITES, async (ing) => {
      const ns = ing.metadata?.namespace ?? 'default';
      const name = ing.metadata?.name ?? '';
      try {
        const statusChanged = entries.length > 0 && await updateLoadBalancerStatus(kube.ingresses, ing, entries);
        const signalChanged = await writeReconcileStatus(kube.ingresses, ing, { reason: 'SuccessfullyReconciled', message: '' });
        if (statusChanged || signalChanged || hasChanges(plan)) void events.normal(ing, 'SuccessfullyReconciled', 'Successfully reconciled');
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
