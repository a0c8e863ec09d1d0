// Helpers for the apply end-to-end tests: the seed's Kubernetes objects under a fresh namespace, one
// reconcile of a stack (observe → plan → apply, counted), target registration, and direct reads of moto.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { V1Ingress, V1IngressClass, V1Node, V1Service } from '@kubernetes/client-node';
import {
  DescribeListenerCertificatesCommand, DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand,
  DescribeTagsCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Listener, LoadBalancer, Rule, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../src/aws/clients.ts';
import { observeStack } from '../../src/deploy/observe.ts';
import { applyPlan } from '../../src/deploy/apply.ts';
import type { ApplyDeps, ApplyResult, BindingWriter, ResolvedBindingSpec } from '../../src/deploy/apply.ts';
import { planStack } from '../../src/plan/plan-stack.ts';
import type { ObservedBinding, Plan } from '../../src/plan/types.ts';
import { buildStacks } from '../../src/ingress/index.ts';
import type { BuildResult } from '../../src/ingress/index.ts';
import type { DiscoveredFacts, Stack } from '../../src/model/index.ts';
import { LABEL_STACK, LABEL_STACK_NAME, LABEL_STACK_NAMESPACE, TAG_CLUSTER, TAG_INGRESS_STACK } from '../../src/model/index.ts';
import { instanceTargets, reconcileTargets } from '../../src/targets/index.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/seed');

export interface SeedObjects {
  ingresses: V1Ingress[];
  services: V1Service[];
  ingressClasses: V1IngressClass[];
}

/** The seed's Ingresses, Services and IngressClass, moved to `namespace`. */
export function seedObjects(namespace: string): SeedObjects {
  const load = (file: string): Record<string, unknown>[] =>
    parseAllDocuments(readFileSync(path.join(FIXTURES, file), 'utf8')).map((d) => d.toJSON() as Record<string, unknown>).filter(Boolean);
  const inNs = <T>(o: Record<string, unknown>): T => ({ ...o, metadata: { ...(o['metadata'] as object), namespace } }) as T;
  return {
    ingresses: load('ingresses.yaml').map((o) => inNs<V1Ingress>(o)),
    services: load('services.yaml').map((o) => inNs<V1Service>(o)),
    ingressClasses: load('ingress-class.yaml') as V1IngressClass[],
  };
}

export function build(objects: SeedObjects, facts: DiscoveredFacts, clusterName: string): BuildResult {
  return buildStacks(
    { ingresses: objects.ingresses, services: objects.services, ingressClasses: objects.ingressClasses, ingressClassParams: [] },
    facts,
    // the shared backend security group is the controller's, outside any stack's plan (backend-security-group.test.ts)
    { clusterName, ingressClass: 'alb', defaultScheme: 'internal', defaultTargetType: 'instance', defaultSslPolicy: 'ELBSecurityPolicy-2016-08', defaultTags: {}, enableBackendSecurityGroup: false },
  );
}

export class RecordingBindings implements BindingWriter {
  readonly live = new Map<string, ResolvedBindingSpec>();
  async upsert(spec: ResolvedBindingSpec): Promise<void> { this.live.set(`${spec.namespace}/${spec.name}`, spec); }
  async delete(namespace: string, name: string): Promise<void> { this.live.delete(`${namespace}/${name}`); }
  /** the bindings labelled for a stack, as the controller would read them from the cluster */
  observedFor(stackId: string): ObservedBinding[] {
    return [...this.live.values()]
      .filter((b) => b.labels[LABEL_STACK] === stackId || `${b.labels[LABEL_STACK_NAMESPACE]}/${b.labels[LABEL_STACK_NAME]}` === stackId)
      .map((spec) => ({ namespace: spec.namespace, name: spec.name, spec }));
  }
}

export interface Reconciled {
  plan: Plan;
  result: ApplyResult;
  writes: Record<string, number>;
  reads: number;
  writeCount: number;
}

/** observe → plan → apply for one stack, counting the AWS calls of all three. */
export async function reconcile(aws: AwsClients, stack: Stack, opts: { clusterName: string; vpcId: string; bindings: BindingWriter; extra?: Partial<ApplyDeps> }): Promise<Reconciled> {
  aws.counter.reset();
  const observed = await observeStack(aws, { clusterName: opts.clusterName, vpcId: opts.vpcId, stackId: stack.id });
  const observedBindings = opts.bindings instanceof RecordingBindings ? opts.bindings.observedFor(stack.id) : undefined;
  const plan = planStack(stack, observed, { clusterName: opts.clusterName, ...(observedBindings ? { observedBindings } : {}) });
  const result = await applyPlan(plan, { elbv2: aws.elbv2, ec2: aws.ec2, clusterName: opts.clusterName, kube: opts.bindings, observed, ...opts.extra });
  return {
    plan, result,
    writes: aws.counter.byOperation({ write: true }),
    writeCount: aws.counter.total({ write: true }),
    reads: aws.counter.total({ write: false }),
  };
}

export const summary = (p: Plan): string[] => p.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action}${c.phase ? `(${c.phase})` : ''} ${c.kind}/${c.id}`);

/** Registers instance targets for every binding: the seeded nodes on each Service's NodePort. */
export async function registerTargets(aws: AwsClients, bindings: RecordingBindings, objects: SeedObjects, nodes: V1Node[]): Promise<{ registered: number; deregistered: number; writes: number }> {
  let registered = 0;
  let deregistered = 0;
  const before = aws.counter.total({ write: true });
  for (const b of bindings.live.values()) {
    const service = objects.services.find((s) => s.metadata?.name === b.serviceRef.name);
    if (!service) throw new Error(`no Service ${b.serviceRef.name}`);
    const desired = instanceTargets({ service, servicePort: b.serviceRef.port, nodes, nodeSelector: b.nodeSelector });
    if (desired.problem) throw new Error(desired.problem);
    const r = await reconcileTargets({ elbv2: aws.elbv2, targetGroupArn: b.targetGroupARN, desired: desired.targets });
    registered += r.registered;
    deregistered += r.deregistered;
  }
  return { registered, deregistered, writes: aws.counter.total({ write: true }) - before };
}

// ---- direct reads of moto (uncounted clients), independent of deploy/observe ----

export interface MotoListener {
  port: number;
  protocol: string;
  sslPolicy?: string;
  defaultCertificate?: string;
  sniCertificates: string[];
  defaultActions: unknown[];
  rules: { priority: number; conditions: unknown[]; actions: unknown[] }[];
}

export interface MotoTargetGroup {
  arn: string;
  name: string;
  targetType: string;
  port: number;
  protocol: string;
  healthCheckPath?: string;
  matcher?: string;
  targets: string[];
  tags: Record<string, string>;
}

export interface MotoStack {
  loadBalancers: (LoadBalancer & { tags: Record<string, string> })[];
  listeners: MotoListener[];
  targetGroups: MotoTargetGroup[];
  securityGroups: string[];
}

export class Moto {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  constructor(cfg: ConstructorParameters<typeof ElasticLoadBalancingV2Client>[0]) {
    this.elbv2 = new ElasticLoadBalancingV2Client(cfg ?? {});
    this.ec2 = new EC2Client(cfg ?? {});
  }

  destroy(): void {
    this.elbv2.destroy();
    this.ec2.destroy();
  }

  async tags(arns: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    for (let i = 0; i < arns.length; i += 20) {
      const r = await this.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
      for (const d of r.TagDescriptions ?? []) out.set(d.ResourceArn ?? '', Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
    }
    return out;
  }

  async allLoadBalancers(): Promise<LoadBalancer[]> {
    return (await this.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  }

  async allTargetGroups(): Promise<TargetGroup[]> {
    return (await this.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  }

  /** everything moto holds that carries this cluster's tag and this stack's tag */
  async stack(clusterName: string, stackId: string): Promise<MotoStack> {
    const owned = (t: Record<string, string> | undefined): boolean => t?.[TAG_CLUSTER] === clusterName && t?.[TAG_INGRESS_STACK] === stackId;
    const lbs = await this.allLoadBalancers();
    const tgs = await this.allTargetGroups();
    const tags = await this.tags([...lbs.map((l) => l.LoadBalancerArn ?? ''), ...tgs.map((t) => t.TargetGroupArn ?? '')]);
    const loadBalancers = lbs.filter((l) => owned(tags.get(l.LoadBalancerArn ?? ''))).map((l) => ({ ...l, tags: tags.get(l.LoadBalancerArn ?? '') ?? {} }));
    const listeners: MotoListener[] = [];
    for (const lb of loadBalancers) {
      const ls: Listener[] = (await this.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
      for (const l of ls) {
        const certs = (await this.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: l.ListenerArn }))).Certificates ?? [];
        const rules: Rule[] = (await this.elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? [];
        listeners.push({
          port: l.Port ?? 0, protocol: l.Protocol ?? '', ...(l.SslPolicy ? { sslPolicy: l.SslPolicy } : {}),
          ...(l.Certificates?.[0]?.CertificateArn ? { defaultCertificate: l.Certificates[0].CertificateArn } : {}),
          sniCertificates: certs.filter((c) => !c.IsDefault).map((c) => c.CertificateArn ?? '').sort(),
          defaultActions: l.DefaultActions ?? [],
          rules: rules.filter((r) => !r.IsDefault).map((r) => ({ priority: Number(r.Priority), conditions: r.Conditions ?? [], actions: r.Actions ?? [] })).sort((a, b) => a.priority - b.priority),
        });
      }
    }
    listeners.sort((a, b) => a.port - b.port);
    const targetGroups: MotoTargetGroup[] = [];
    for (const tg of tgs.filter((t) => owned(tags.get(t.TargetGroupArn ?? '')))) {
      const health = (await this.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? [];
      targetGroups.push({
        arn: tg.TargetGroupArn ?? '', name: tg.TargetGroupName ?? '', targetType: tg.TargetType ?? '', port: tg.Port ?? 0, protocol: tg.Protocol ?? '',
        ...(tg.HealthCheckPath ? { healthCheckPath: tg.HealthCheckPath } : {}), ...(tg.Matcher?.HttpCode ? { matcher: tg.Matcher.HttpCode } : {}),
        targets: health.map((h) => `${h.Target?.Id}:${h.Target?.Port}`).sort(),
        tags: tags.get(tg.TargetGroupArn ?? '') ?? {},
      });
    }
    targetGroups.sort((a, b) => a.name.localeCompare(b.name));
    const sgs = (await this.ec2.send(new DescribeSecurityGroupsCommand({
      Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [clusterName] }, { Name: `tag:${TAG_INGRESS_STACK}`, Values: [stackId] }],
    }))).SecurityGroups ?? [];
    return { loadBalancers, listeners, targetGroups, securityGroups: sgs.map((s) => s.GroupId ?? '') };
  }
}
