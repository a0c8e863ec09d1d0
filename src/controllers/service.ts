// The Service loop: key = "namespace/name" of a Service. For a Service this controller manages (upstream's rules,
// src/service/match.ts): finalizer → observe its NLB stack by the service.k8s.aws tags → build (pure, knowing the
// live NLB's scheme, subnets and security groups, as upstream does) → plan → apply (zero writes when the plan is all
// noops) → write back: status.loadBalancer (hostname and ports), the reconcile-status annotation service.k8s.aws/status
// (ADR 0002), Events, metrics. A Service that stops being ours while it holds the finalizer is torn down: everything
// its stack owns is deleted, its status cleared, the finalizer removed. Targets and node/pod security-group rules
// are the TargetGroupBinding controller's job, as for ALBs.
// Errors stay local: an Issue (bad annotation, missing subnet) is reported on that Service and nothing in AWS is
// written for it; an AWS failure is reported and retried.
import type { V1Service } from '@kubernetes/client-node';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { applyPlan, type TargetGroupCreated } from '../deploy/apply.ts';
import { observeExtras, observeStack, OwnershipCache } from '../deploy/observe.ts';
import { optionalFactsNeeded } from '../ingress/facts-needed.ts';
import type { EventRecorder } from '../k8s/events.ts';
import { addFinalizer, removeFinalizer } from '../k8s/finalizers.ts';
import type { Informers } from '../k8s/informer.ts';
import type { KubeClients } from '../k8s/client.ts';
import type { QueueItem, ReconcileResult, WorkQueue } from '../k8s/queue.ts';
import {
  changedBeyondStatus, portError, SERVICE_RECONCILE_STATUS_ANNOTATION, updateLoadBalancerStatus, withPortError, writeReconcileStatus,
  type LoadBalancerIngressEntry,
} from '../k8s/status.ts';
import { objectKey, type Service, type TargetGroupBinding } from '../k8s/types.ts';
import { FINALIZER_SERVICE, LABEL_SERVICE_STACK_NAME, LABEL_SERVICE_STACK_NAMESPACE, formatIssue, type Issue } from '../model/index.ts';
import { hasChanges, planStack, summarize } from '../plan/index.ts';
import { buildServiceStack, existingLoadBalancerOf, serviceInputIssues, serviceManagement, type ExistingLoadBalancer, type ServiceBuildConfig, type ServiceBuildResult } from '../service/index.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import type { ControllerMetrics } from '../server/metrics.ts';
import { fromWire, KubeBindingWriter } from './bindings.ts';
import { failureText, type FactsSource } from './ingress-group.ts';

export interface ServiceControllerDeps {
  readonly config: ServiceBuildConfig & { readonly vpcId: string };
  readonly informers: Informers;
  readonly kube: KubeClients;
  readonly aws: { readonly elbv2: ElasticLoadBalancingV2Client; readonly ec2: EC2Client };
  readonly discovery: FactsSource;
  readonly events: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  /** told of each target group an apply created: primes the binding admission's cache (no read-back) */
  readonly onTargetGroupCreated?: TargetGroupCreated;
}

const asV1 = (s: Service): V1Service => s as unknown as V1Service;
const PORT_ERROR_DOMAIN = 'service.k8s.aws';

/** the bindings of a Service's stack (upstream's labels) */
export const belongsToService = (tgb: TargetGroupBinding, namespace: string, name: string): boolean =>
  tgb.metadata?.labels?.[LABEL_SERVICE_STACK_NAMESPACE] === namespace && tgb.metadata?.labels?.[LABEL_SERVICE_STACK_NAME] === name;

/** an update worth a reconcile: more than status, resourceVersion, managed fields, finalizers or our status annotation (our own writes) */
export function serviceChanged(old: Service, next: Service): boolean {
  const strip = (s: Service): Service => ({ ...s, metadata: { ...s.metadata, finalizers: [] } });
  return changedBeyondStatus(strip(old), strip(next), SERVICE_RECONCILE_STATUS_ANNOTATION);
}

export class ServiceController {
  readonly #d: ServiceControllerDeps;
  readonly #log: Logger;
  /** which stack each load balancer / target group ARN belongs to, shared by every Service's observe */
  readonly #ownership = new OwnershipCache();

  constructor(deps: ServiceControllerDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ controller: 'service' });
  }

  /** ours now, or still holding our finalizer (to tear down) */
  relevant(svc: Service): boolean {
    const m = serviceManagement(asV1(svc), { loadBalancerClass: this.#d.config.loadBalancerClass, serviceTypeLoadBalancerOnly: this.#d.config.gates.serviceTypeLoadBalancerOnly });
    return m.managed || m.finalizer;
  }

  allKeys(): string[] {
    return this.#d.informers.services.list().filter((s) => this.relevant(s)).map(objectKey).sort();
  }

  register(queue: WorkQueue): void {
    const enqueue = (svc: Service): void => { if (this.relevant(svc)) queue.add(objectKey(svc), 'user'); };
    this.#d.informers.services.addHandlers({
      add: enqueue,
      update: (svc, old) => { if (serviceChanged(old, svc) && (this.relevant(svc) || this.relevant(old))) queue.add(objectKey(svc), 'user'); },
    });
  }

  async reconcile(key: string, _item?: QueueItem, signal?: AbortSignal): Promise<ReconcileResult> {
    const started = Date.now();
    const svc = this.#d.informers.services.getByKey(key);
    if (!svc || !this.relevant(svc)) return;
    const report = await this.#reconcile(svc, signal);
    if (report) this.#log.info('reconciled service', { service: key, ms: Date.now() - started, ...report });
  }

  async #reconcile(svc: Service, signal: AbortSignal | undefined): Promise<Record<string, unknown> | undefined> {
    const { kube, events, config, aws } = this.#d;
    const key = objectKey(svc);
    const ns = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    /** an AWS step; a failure is reported on the Service (Event + status signal), then rethrown for a retry */
    const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (err) {
        // stopping or no longer leading: not the user's problem, and another replica may be writing now
        if (!signal?.aborted) await this.#reportFailure(svc, 'FailedDeployModel', `${what} failed: ${failureText(err)}`);
        throw err;
      }
    };
    const managed = serviceManagement(asV1(svc), { loadBalancerClass: config.loadBalancerClass, serviceTypeLoadBalancerOnly: config.gates.serviceTypeLoadBalancerOnly }).managed;
    // 1. the finalizer before anything is created for it
    if (managed) {
      try {
        await addFinalizer(kube.services, svc, FINALIZER_SERVICE);
      } catch (err) {
        void events.warning(svc, 'FailedAddFinalizer', `adding finalizer ${FINALIZER_SERVICE}: ${errorMessage(err)}`);
        throw err;
      }
    }
    // 2. what AWS holds for it, then the desired stack; a Service whose own values are wrong costs no AWS call
    const early = managed ? serviceInputIssues(asV1(svc), config) : [];
    if (early.length > 0) {
      await this.#reportFailure(svc, 'FailedBuildModel', early.map(formatIssue).join('; '), early);
      return { action: 'build', issues: early.length, changes: 0 };
    }
    const observe = { clusterName: config.clusterName, vpcId: config.vpcId, stackId: key, family: 'service' as const, cache: this.#ownership };
    const seen = await step('reading the NLB from AWS', () => observeStack(aws, observe));
    const built = await step('discovering AWS resources', () => this.#build(svc, existingLoadBalancerOf(seen)));
    if (built.action === 'ignored') return undefined;
    if (!built.stack) {
      await this.#reportFailure(svc, 'FailedBuildModel', built.issues.map(formatIssue).join('; '), built.issues);
      return { action: built.action, issues: built.issues.length, changes: 0 };
    }
    const stack = built.stack;
    // 3. plan and apply
    const observed = await step('reading the NLB from AWS', () => observeExtras(aws.elbv2, stack, seen));
    const observedBindings = this.#d.informers.targetGroupBindings.list(ns).filter((t) => belongsToService(t, ns, name)).map(fromWire);
    const plan = planStack(stack, observed, { clusterName: config.clusterName, externalManagedTags: config.externalManagedTags, observedBindings });
    const changes = plan.changes.filter((c) => c.action !== 'noop');
    if (hasChanges(plan)) this.#log.info('applying plan', { service: key, ...summarize(plan), changes: changes.map((c) => `${c.action}${c.phase ? `(${c.phase})` : ''} ${c.kind}/${c.id}`) });
    const result = await step('applying the plan', () => applyPlan(plan, {
      elbv2: aws.elbv2, ec2: aws.ec2, clusterName: config.clusterName, externalManagedTags: config.externalManagedTags,
      kube: new KubeBindingWriter(kube.targetGroupBindings), observed,
      ...(this.#d.onTargetGroupCreated ? { onTargetGroupCreated: this.#d.onTargetGroupCreated } : {}),
      logger: { info: (m, f) => this.#log.info(m, { service: key, ...f }), warn: (m, f) => this.#log.warn(m, { service: key, ...f }) },
      ...(signal ? { signal } : {}),
    }));
    if (result.errors?.length) {
      const f = result.errors[0];
      const message = f ? `${f.resource}: ${f.action} failed: ${f.code}: ${f.message}` : 'apply failed';
      if (!signal?.aborted) await this.#reportFailure(svc, 'FailedDeployModel', message);
      throw new Error(`service ${key}: ${message}`);
    }
    // 4. write back
    if (built.action === 'teardown') {
      await this.#release(svc);
      return { action: 'teardown', changes: changes.length };
    }
    await this.#writeBack(svc, result.dnsName, hasChanges(plan));
    return { action: 'build', changes: changes.length, ...(result.dnsName ? { dnsName: result.dnsName } : {}) };
  }

  /** build with the facts every Service needs; security-group names are resolved only when the Service names some */
  async #build(svc: Service, existing: ExistingLoadBalancer | undefined): Promise<ServiceBuildResult> {
    const { discovery, config } = this.#d;
    const input = { service: asV1(svc), config, ...(existing ? { existing } : {}) };
    const first = buildServiceStack({ ...input, facts: await discovery.discoverFacts({ certificates: false, securityGroups: false }) });
    if (first.action === 'ignored' || !first.stack || !optionalFactsNeeded([first.stack]).securityGroups) return first;
    return buildServiceStack({ ...input, facts: await discovery.discoverFacts({ certificates: false, securityGroups: true }) });
  }

  async #writeBack(svc: Service, dnsName: string | undefined, changed: boolean): Promise<void> {
    const { kube, events, metrics } = this.#d;
    const ns = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    // upstream's entry: the lower-cased hostname and every Service port with its protocol, no IP
    const entries: LoadBalancerIngressEntry[] = dnsName
      ? [{ hostname: dnsName.toLowerCase(), ports: (svc.spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })) }] : [];
    try {
      const statusChanged = entries.length > 0 && await updateLoadBalancerStatus(kube.services, svc, entries);
      const signalChanged = await writeReconcileStatus(kube.services, svc, { reason: 'SuccessfullyReconciled', message: '' }, undefined, SERVICE_RECONCILE_STATUS_ANNOTATION);
      if (statusChanged || signalChanged || changed) void events.normal(svc, 'SuccessfullyReconciled', 'Successfully reconciled');
      metrics.serviceReconciles.inc({ namespace: ns, service: name, outcome: 'success' });
    } catch (err) {
      metrics.serviceErrors.inc({ namespace: ns, service: name, reason: 'FailedUpdateStatus' });
      void events.warning(svc, 'FailedUpdateStatus', `updating status: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** after a teardown: no load balancer to show any more, and the finalizer goes */
  async #release(svc: Service): Promise<void> {
    const { kube, events } = this.#d;
    try {
      if (!svc.metadata?.deletionTimestamp && svc.status?.loadBalancer?.ingress?.length) await updateLoadBalancerStatus(kube.services, svc, []);
      await removeFinalizer(kube.services, svc, FINALIZER_SERVICE);
    } catch (err) {
      void events.warning(svc, 'FailedRemoveFinalizer', `removing finalizer ${FINALIZER_SERVICE}: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Event, the status annotation and ports[].error on an existing status entry (ADR 0002) */
  async #reportFailure(svc: Service, reason: string, message: string, issues: readonly Issue[] = []): Promise<void> {
    const ns = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    this.#d.metrics.serviceErrors.inc({ namespace: ns, service: name, reason });
    this.#d.metrics.serviceReconciles.inc({ namespace: ns, service: name, outcome: 'error' });
    this.#log.warn('service has errors', { service: `${ns}/${name}`, reason, message, ...(issues.length ? { fields: issues.map((i) => i.field) } : {}) });
    await this.#d.events.warning(svc, reason, message);
    try {
      await writeReconcileStatus(this.#d.kube.services, svc, { reason, message }, undefined, SERVICE_RECONCILE_STATUS_ANNOTATION);
      const current = svc.status?.loadBalancer?.ingress as readonly LoadBalancerIngressEntry[] | undefined;
      if (current?.length) await updateLoadBalancerStatus(this.#d.kube.services, svc, withPortError(current, portError(reason, PORT_ERROR_DOMAIN)));
    } catch (err) {
      this.#log.warn('could not write the status signal', { service: objectKey(svc), error: errorMessage(err) });
    }
  }
}
