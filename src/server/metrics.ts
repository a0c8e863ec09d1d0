// The controller's Prometheus metrics, on one registry served at /metrics:
//   aws_lb_controller_aws_api_calls_total{service,operation,outcome}   (from src/aws, every AWS attempt)
//   aws_lb_controller_reconcile_total{controller,outcome}               per queue item processed
//   aws_lb_controller_reconcile_duration_seconds{controller}            histogram
//   aws_lb_controller_ingress_reconcile_total{namespace,ingress,outcome} per Ingress in a reconciled group
//   aws_lb_controller_ingress_errors_total{namespace,ingress,reason}     per Ingress error (build / deploy / status)
//   aws_lb_controller_service_reconcile_total{namespace,service,outcome} per Service reconcile (NLBs)
//   aws_lb_controller_service_errors_total{namespace,service,reason}     per Service error
//   aws_lb_controller_target_changes_total{operation}                   targets registered / deregistered
//   aws_lb_controller_workqueue_depth{controller}                       ready keys
//   aws_lb_controller_active_reconciles{controller}                     keys being reconciled now
//   aws_lb_controller_leader{}                                          1 while this replica leads
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallCounter } from '../aws/metrics.ts';
import type { QueueDepth } from '../k8s/queue.ts';
import { registerCallMetrics } from '../aws/metrics.ts';

export type ControllerName = 'ingress' | 'service' | 'targetGroupBinding';

export class ControllerMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'controller' | 'outcome'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly ingressReconciles: Counter<'namespace' | 'ingress' | 'outcome'>;
  readonly ingressErrors: Counter<'namespace' | 'ingress' | 'reason'>;
  readonly serviceReconciles: Counter<'namespace' | 'service' | 'outcome'>;
  readonly serviceErrors: Counter<'namespace' | 'service' | 'reason'>;
  readonly targetChanges: Counter<'operation'>;
  readonly stackReads: Counter<'controller' | 'read'>;
  readonly driftChecks: Counter<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly activeReconciles: Gauge<'controller'>;
  readonly leader: Gauge;
  /** the work queues, read at each scrape (a gauge sampled on a timer would lag what it reports) */
  #queues: Partial<Record<ControllerName, { depth(): QueueDepth }>> = {};

  constructor(opts: { readonly calls?: CallCounter; readonly processMetrics?: boolean } = {}) {
    const registers = [(this.registry = new Registry())];
    this.reconciles = new Counter({
      name: 'aws_lb_controller_reconcile_total', help: 'Reconciles by controller and outcome (success, requeue, error).',
      labelNames: ['controller', 'outcome'] as const, registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'aws_lb_controller_reconcile_duration_seconds', help: 'Time spent in one reconcile.',
      labelNames: ['controller'] as const, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
    });
    this.ingressReconciles = new Counter({
      name: 'aws_lb_controller_ingress_reconcile_total', help: 'Group reconciles, counted once per Ingress of the group, by outcome.',
      labelNames: ['namespace', 'ingress', 'outcome'] as const, registers,
    });
    this.ingressErrors = new Counter({
      name: 'aws_lb_controller_ingress_errors_total', help: 'Errors reported on an Ingress, by reason (FailedBuildModel, FailedDeployModel, ...).',
      labelNames: ['namespace', 'ingress', 'reason'] as const, registers,
    });
    this.serviceReconciles = new Counter({
      name: 'aws_lb_controller_service_reconcile_total', help: 'Service (NLB) reconciles by outcome.',
      labelNames: ['namespace', 'service', 'outcome'] as const, registers,
    });
    this.serviceErrors = new Counter({
      name: 'aws_lb_controller_service_errors_total', help: 'Errors reported on a Service, by reason (FailedBuildModel, FailedDeployModel, ...).',
      labelNames: ['namespace', 'service', 'reason'] as const, registers,
    });
    this.targetChanges = new Counter({
      name: 'aws_lb_controller_target_changes_total', help: 'Targets registered or deregistered.',
      labelNames: ['operation'] as const, registers,
    });
    this.stackReads = new Counter({
      name: 'aws_lb_controller_stack_reads_total',
      help: 'How reconciles read AWS: full (a stack below its load balancer, or a target group\'s targets), checkpoint (nothing: it matched), deletion (only what a delete needs).',
      labelNames: ['controller', 'read'] as const, registers,
    });
    this.driftChecks = new Counter({
      name: 'aws_lb_controller_drift_checks_total', help: 'Stacks and bindings the drift rotation handed over to be read in full.',
      labelNames: ['controller'] as const, registers,
    });
    const queues = (): [ControllerName, QueueDepth][] =>
      Object.entries(this.#queues).map(([controller, q]) => [controller as ControllerName, q.depth()]);
    this.queueDepth = new Gauge({
      name: 'aws_lb_controller_workqueue_depth', help: 'Keys ready in the work queue.', labelNames: ['controller'] as const, registers,
      collect() { for (const [controller, d] of queues()) this.set({ controller }, d.user + d.resync); },
    });
    this.activeReconciles = new Gauge({
      name: 'aws_lb_controller_active_reconciles', help: 'Keys being reconciled now.', labelNames: ['controller'] as const, registers,
      collect() { for (const [controller, d] of queues()) this.set({ controller }, d.processing); },
    });
    this.leader = new Gauge({ name: 'aws_lb_controller_leader', help: '1 while this replica is the leader.', registers });
    if (opts.calls) registerCallMetrics(opts.calls, this.registry);
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** reports these work queues' depth and active reconciles from now on */
  watchQueues(queues: Partial<Record<ControllerName, { depth(): QueueDepth }>>): void {
    this.#queues = { ...queues };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** one sample of a Prometheus text exposition */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** parses the Prometheus text format (enough for tests and the demo's summary) */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, '$1');
    out.push({ name: m[1] as string, labels, value: Number(m[4]) });
  }
  return out;
}
