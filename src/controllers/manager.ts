// Wiring of a running controller: clients → informers (on every replica) → leader election → the loops
// (leader only: IngressGroups, Services unless switched off, TargetGroupBindings) → HTTP servers (probes,
// metrics) and the webhooks (every replica), and the drift rotation (leader only). `startManager` returns a
// handle whose `stop()` shuts everything down in reverse order: the loops drain first, then the Lease is released.
import { CertificateManager } from '../deploy/acm-certificates.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../aws/clients.ts';
import { Discovery } from '../aws/discovery.ts';
import { builderSettings, serviceBuilderSettings, serviceControllerEnabled, type Config } from '../config/config.ts';
import { createKubeClients, type KubeClients } from '../k8s/client.ts';
import { EventRecorder } from '../k8s/events.ts';
import { createInformers, every, type InformerSet } from '../k8s/informer.ts';
import { LeaderElector, leaderIdentity } from '../k8s/leader.ts';
import { runWorkers, WorkQueue, type QueueEvent, type Reconciler } from '../k8s/queue.ts';
import { systemClock } from '../k8s/clock.ts';
import { probeRoutes, metricsRoutes, startHttpServer, type RunningServer } from '../server/http.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import { ControllerMetrics, type ControllerName } from '../server/metrics.ts';
import { TargetGroupDirectory } from '../aws/target-groups.ts';
import type { TargetGroupCreated } from '../deploy/apply.ts';
import { startWebhookServer, type RunningWebhook } from '../webhook/server.ts';
import { BACKEND_SG_DESCRIPTION, backendSecurityGroupName } from '../ingress/index.ts';
import { backendSecurityGroupTags } from '../model/tags.ts';
import { BackendSecurityGroup, ruleSourcesOf, stacksHeldBy } from './backend-security-group.ts';
import { startDriftRotation } from './drift-rotation.ts';
import { IngressGroupController } from './ingress-group.ts';
import { ServiceController } from './service.ts';
import { TargetGroupBindingController } from './target-group-binding.ts';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface Manager {
  readonly kube: KubeClients;
  readonly aws: AwsClients;
  readonly informers: InformerSet;
  readonly metrics: ControllerMetrics;
  readonly servers: readonly RunningServer[];
  readonly webhook: RunningWebhook | undefined;
  isLeader(): boolean;
  /** resolves when leadership is lost (not by stop()); the caller should exit so a restart campaigns again */
  readonly lostLeadership: Promise<string>;
  stop(): Promise<void>;
}

function leaseNamespace(config: Config): string {
  if (config.leaderElectionNamespace) return config.leaderElectionNamespace;
  try { return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || 'kube-system'; } catch { return 'kube-system'; }
}

const throttleFlag = (config: Config): string | undefined =>
  config.awsApiThrottle.length ? config.awsApiThrottle.map((r) => `${r.serviceId}:${r.operationPattern}=${r.rate}:${r.burst}`).join(',') : undefined;

export async function startManager(config: Config, aws: { region: string; vpcId: string }, log: Logger): Promise<Manager> {
  const kube = createKubeClients({ kubeconfig: config.kubeconfig });
  const throttle = throttleFlag(config);
  const awsClients = createAwsClients({
    region: aws.region, endpoints: config.awsApiEndpoints, maxRetries: config.awsMaxRetries, ...(throttle ? { throttle } : {}),
  });
  if (awsClients.ignoredServiceIds.length) log.info('ignoring AWS endpoint/throttle settings for services this controller does not call', { services: awsClients.ignoredServiceIds });
  const discovery = new Discovery({ ec2: awsClients.ec2, acm: awsClients.acm, elbv2: awsClients.elbv2, addons: awsClients.addons }, { vpcId: aws.vpcId });
  const informers = createInformers({ rest: kube.rest, namespace: config.watchNamespace });
  const metrics = new ControllerMetrics({ calls: awsClients.counter, processMetrics: true });
  const host = config.podName;
  const onEventError = (err: unknown): void => log.warn('could not record an Event', { error: errorMessage(err) });
  const ingressEvents = new EventRecorder({ events: kube.events, component: 'ingress', ...(host ? { host } : {}), onError: onEventError });
  const tgbEvents = new EventRecorder({ events: kube.events, component: 'targetGroupBinding', ...(host ? { host } : {}), onError: onEventError });
  const serviceEvents = new EventRecorder({ events: kube.events, component: 'service', ...(host ? { host } : {}), onError: onEventError });

  informers.onLifecycle((e) => {
    if (e.type === 'error') log.warn('informer error', { resource: e.resource, phase: e.phase, error: errorMessage(e.error) });
    else if (e.type === 'restart') log.info('informer restarting', { resource: e.resource, attempt: e.attempt, delayMs: e.delayMs });
    else if (e.type === 'synced') log.debug('informer synced', { resource: e.resource });
  });

  let vpcCidrs: readonly string[] | undefined;
  const backendSecurityGroup = config.enableBackendSecurityGroup ? new BackendSecurityGroup({
    ec2: awsClients.ec2, elbv2: awsClients.elbv2,
    spec: {
      clusterName: config.clusterName, vpcId: aws.vpcId, name: backendSecurityGroupName(config.clusterName), description: BACKEND_SG_DESCRIPTION,
      tags: backendSecurityGroupTags(config.clusterName, config.defaultTags), externalManagedTags: config.externalManagedTags,
    },
    ...(config.backendSecurityGroup ? { userGroupId: config.backendSecurityGroup } : {}),
    finalizedStacks: () => stacksHeldBy(informers.ingresses.list()),
    bindingSources: () => ruleSourcesOf(informers.targetGroupBindings.list()),
    log: log.child({ component: 'backend-security-group' }),
  }) : undefined;
  // a binding's target group may sit in a peered VPC: its CIDRs decide which pod IPs are "outside"
  const cidrsOf = async (vpcId: string | undefined): Promise<readonly string[] | undefined> =>
    (vpcId === undefined || vpcId === aws.vpcId ? vpcCidrs : (await discovery.vpc(vpcId))?.cidrs);
  // shared by the binding loop and the binding webhooks: one read per target group
  const targetGroups = new TargetGroupDirectory(awsClients.elbv2);
  const onTargetGroupCreated: TargetGroupCreated = (tg, tags) => targetGroups.remember(tg, tags);
  const ingress = new IngressGroupController({
    config: { ...builderSettings(config), externalManagedTags: config.externalManagedTags, vpcId: aws.vpcId },
    informers, kube, aws: { elbv2: awsClients.elbv2, ec2: awsClients.ec2, addons: awsClients.addons }, discovery, events: ingressEvents, metrics, log, onTargetGroupCreated,
    ...(backendSecurityGroup ? { backendSecurityGroup } : {}),
    ...(config.featureGates.EnableCertificateManagement ? { certificates: new CertificateManager(awsClients.acm, { clusterName: config.clusterName }) } : {}),
  });
  const services = serviceControllerEnabled(config) ? new ServiceController({
    config: { ...serviceBuilderSettings(config), vpcId: aws.vpcId },
    informers, kube, aws: { elbv2: awsClients.elbv2, ec2: awsClients.ec2 }, discovery, events: serviceEvents, metrics, log, onTargetGroupCreated,
  }) : undefined;
  if (!services) log.info('Service controller disabled (--enable-service-controller=false or gate EnableServiceController=false)');
  const tgb = new TargetGroupBindingController({
    informers, kube, elbv2: awsClients.elbv2, events: tgbEvents, metrics, log, clusterName: config.clusterName, targetGroups, vpcCidrs: cidrsOf,
    endpointsFailOpen: config.featureGates.EndpointsFailOpen,
    networking: { ec2: awsClients.ec2, clusterName: config.clusterName, vpcId: aws.vpcId },
  });

  const queueEvents = (controller: ControllerName) => (e: QueueEvent): void => {
    if (e.type !== 'processed') return;
    metrics.reconciles.inc({ controller, outcome: e.outcome });
    metrics.reconcileDuration.observe({ controller }, e.durationMs / 1000);
    if (e.outcome === 'error') log.warn('reconcile failed; will retry', { controller, key: e.key, error: errorMessage(e.error) });
  };
  const ingressQueue = new WorkQueue({});
  const serviceQueue = new WorkQueue({});
  const tgbQueue = new WorkQueue({});
  ingress.register(ingressQueue);
  services?.register(serviceQueue);
  tgb.register(tgbQueue);
  informers.startAll();

  // the loops, while leading. When the signal aborts they take no more keys and resolve once every in-flight
  // reconcile is done (an apply stops between changes, as the signal goes into applyPlan).
  const loops: Promise<void>[] = [];
  const runLoops = async (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return;
    signal.addEventListener('abort', () => {
      tgb.stop();
      backendSecurityGroup?.stop();
      void ingressQueue.shutdown();
      void serviceQueue.shutdown();
      void tgbQueue.shutdown();
    }, { once: true });
    await Promise.race([informers.waitForSync(), new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
    if (signal.aborted) return;
    try { vpcCidrs = (await discovery.vpc())?.cidrs; } catch (err) { log.warn('could not read the VPC CIDRs', { error: errorMessage(err) }); }
    if (signal.aborted) return;
    try { await tgb.prefetch(); } catch (err) { log.warn('could not read the target groups of the bindings ahead', { error: errorMessage(err) }); }
    if (signal.aborted) return;
    log.info('starting controllers', { ingresses: informers.ingresses.list().length, targetGroupBindings: informers.targetGroupBindings.list().length });
    const resync = (): void => {
      for (const k of ingress.allKeys()) ingressQueue.add(k, 'resync');
      for (const k of services?.allKeys() ?? []) serviceQueue.add(k, 'resync');
      for (const k of tgb.allKeys()) tgbQueue.add(k, 'resync');
    };
    resync();
    every(systemClock, config.syncPeriodMs, resync, signal);
    // the drift rotation: unchanged stacks and bindings are read in full in turn, within --drift-check-budget
    startDriftRotation({
      clock: systemClock, budgetPerMinute: config.driftCheckBudget, intervalMs: config.driftCheckIntervalMs,
      entries: () => [...ingress.driftEntries(), ...tgb.driftEntries()],
      due: (e) => {
        metrics.driftChecks.inc({ controller: e.controller });
        if (e.controller === 'ingress') {
          ingress.markDriftDue(e.key);
          ingressQueue.add(e.key, 'resync');
        } else {
          tgb.markDriftDue(e.key);
          tgbQueue.add(e.key, 'resync');
        }
      },
    }, signal);
    metrics.watchQueues({ ingress: ingressQueue, targetGroupBinding: tgbQueue, ...(services ? { service: serviceQueue } : {}) });
    const reconcileIngress: Reconciler = (key, item) => ingress.reconcile(key, item, signal);
    const reconcileTgb: Reconciler = (key, item) => tgb.reconcile(key, item);
    await Promise.all([
      runWorkers(ingressQueue, config.ingressMaxConcurrentReconciles, reconcileIngress, { onEvent: queueEvents('ingress') }),
      ...(services ? [runWorkers(serviceQueue, config.serviceMaxConcurrentReconciles, (key, item) => services.reconcile(key, item, signal), { onEvent: queueEvents('service') })] : []),
      runWorkers(tgbQueue, config.targetGroupBindingMaxConcurrentReconciles, reconcileTgb, { onEvent: queueEvents('targetGroupBinding') }),
    ]);
  };
  const startLoops = (signal: AbortSignal): Promise<void> => {
    const run = runLoops(signal).catch((err: unknown) => log.error('controller loops failed', { error: errorMessage(err) }));
    loops.push(run);
    return run;
  };

  const stopping = new AbortController();
  let leading = false;
  let lost = false;
  let resolveLost: (why: string) => void = () => undefined;
  const lostLeadership = new Promise<string>((resolve) => { resolveLost = resolve; });
  let elector: LeaderElector | undefined;
  let electorRun: Promise<void> | undefined;
  if (config.enableLeaderElection) {
    const namespace = leaseNamespace(config);
    const identity = leaderIdentity(config.podName);
    elector = new LeaderElector({
      leases: kube.leases, namespace, name: config.leaderElectionId, identity,
      // the elector releases the Lease only after this promise (the drained loops) settles
      onStartedLeading: (signal) => {
        leading = true;
        metrics.leader.set(1);
        return startLoops(signal);
      },
      onStoppedLeading: (how) => {
        leading = false;
        metrics.leader.set(0);
        if (!how.lost) return;
        // another replica may lead already: the loops are told to stop (the signal aborted), and the caller
        // exits without waiting for them, as controller-runtime does
        lost = true;
        log.error('leadership lost; exiting', { reason: how.reason });
        resolveLost(`leadership lost: ${how.reason}`);
      },
      onEvent: (e) => {
        if (e.type === 'error') log.warn('leader election error', { error: errorMessage(e.error) });
        else if (e.type === 'new-leader') log.info('leader observed', { holder: e.holder });
        else log.info(`leader election: ${e.type}`, { identity: e.identity, ...('reason' in e ? { reason: e.reason } : {}) });
      },
    });
    log.info('campaigning for leadership', { lease: `${namespace}/${config.leaderElectionId}`, identity });
    electorRun = elector.run(stopping.signal);
  } else {
    leading = true;
    metrics.leader.set(1);
    void startLoops(stopping.signal);
  }

  // servers. The webhook server runs on every replica whenever it has a certificate: it serves the
  // TargetGroupBinding webhooks, and the pod webhook unless injection is off (then it mutates nothing).
  const certDir = config.webhookCertDir;
  let webhook: RunningWebhook | undefined;
  const serveServices = config.enableServiceMutatorWebhook && services !== undefined;
  if (!serveServices) log.info('Service webhook disabled (--enable-service-mutator-webhook=false, or the Service controller is off)');
  if (existsSync(join(certDir, 'tls.crt')) && existsSync(join(certDir, 'tls.key'))) {
    webhook = await startWebhookServer({
      port: config.webhookBindPort, certDir, log,
      routes: {
        ...(config.enablePodReadinessGateInject ? {
          pods: {
            bindings: (ns: string) => informers.targetGroupBindings.list(ns),
            service: (ns: string, name: string) => informers.services.get(name, ns),
          },
        } : {}),
        ...(serveServices ? { serviceClass: config.loadBalancerClass } : {}),
        bindings: { targetGroups, bindings: () => informers.targetGroupBindings.list(), clusterName: config.clusterName, clusterVpcId: aws.vpcId, log },
      },
    });
    log.info('webhook listening', { port: webhook.port, podReadinessGateInject: config.enablePodReadinessGateInject, services: serveServices });
    if (!config.enablePodReadinessGateInject) log.info('pod webhook disabled by --enable-pod-readiness-gate-inject=false: it answers without mutating');
  } else {
    log.info('webhooks disabled: no tls.crt and tls.key in --webhook-cert-dir', { dir: certDir });
  }
  const probes = probeRoutes({
    ready: {
      informers: () => (informers.hasSynced() ? undefined : `not synced: ${informers.all().filter((i) => !i.hasSynced()).map((i) => i.name).join(', ')}`),
      ...(webhook ? { webhook: () => (webhook?.listening() ? undefined : 'webhook server not listening') } : {}),
    },
  });
  const servers: RunningServer[] = [];
  if (config.metricsBindAddr === config.healthProbeBindAddr) {
    servers.push(await startHttpServer(config.healthProbeBindAddr, { ...probes, ...metricsRoutes(metrics) }));
  } else {
    servers.push(await startHttpServer(config.healthProbeBindAddr, probes));
    if (config.metricsBindAddr !== '0') servers.push(await startHttpServer(config.metricsBindAddr, metricsRoutes(metrics)));
  }
  log.info('listening', { health: servers[0]?.address, metrics: config.metricsBindAddr === '0' ? 'disabled' : servers[servers.length - 1]?.address });

  return {
    kube, aws: awsClients, informers, metrics, servers, webhook, lostLeadership,
    isLeader: () => leading,
    async stop() {
      // 1. no new keys; in-flight reconciles finish (applies stop between changes); 2. then the Lease is
      // released (the elector waits for the drained loops itself). After lost leadership nothing is awaited:
      // destroying the AWS clients below cuts off any call still running.
      stopping.abort();
      await electorRun;
      if (lost) awsClients.destroy();
      else await Promise.all(loops);
      await Promise.all(servers.map((s) => s.close()));
      await webhook?.close();
      await informers.stopAll();
      if (!lost) awsClients.destroy();
    },
  };
}
