// `plan --live`: the plan command's inputs read from AWS (and optionally the cluster) instead of files.
// Read-only by construction: only discovery (Describe*/List*) and deploy/observe are called, and every call
// goes through the counting middleware of aws/clients.ts, so the command can print what it cost.
//
// Calls for a cold run: DescribeVpcs 1 + DescribeSubnets 1 (always); DescribeSecurityGroups 1 and
// ListCertificates 1 + DescribeCertificate per ISSUED certificate only when an Ingress needs them (a
// security group named in an annotation, a host whose certificate is discovered); DescribeSecurityGroups 1 for
// the shared backend security group when a load balancer uses it (not with --backend-security-group); with
// create-acm-cert (gate EnableCertificateManagement) ListCertificates 1 + ListTagsForCertificate per certificate +
// DescribeCertificate per certificate this cluster requested (CertificateManager.observe, read-only); with
// wafv2-acl-name ListWebACLs 1 (per page of 100); then deploy/observe's bulk read of every stack this cluster owns
// in the VPC, IngressGroups and Services in one pass (see the header of src/deploy/observe.ts), and per stack what
// only it sets (extras below: listener attributes, capacity, web ACL, Shield protection).
import { CertificateManager } from '../deploy/acm-certificates.ts';
import { createAwsClients, type AwsClients, type AwsClientsConfig } from '../aws/clients.ts';
import { Discovery, type FactsToDiscover } from '../aws/discovery.ts';
import { AwsError, awsErrorCodeOf } from '../aws/errors.ts';
import { FlagError, normalizeEndpoints } from '../aws/flags.ts';
import type { CallCounter } from '../aws/metrics.ts';
import { isWriteOperation } from '../aws/metrics.ts';
import { fromWire } from '../controllers/bindings.ts';
import { observeEveryFamily, observeExtras } from '../deploy/observe.ts';
import type { Stack, StackFamily } from '../model/stack.ts';
import type { Config } from '../config/config.ts';
import { observeAddons } from '../deploy/observe-addons.ts';
import { backendSecurityGroupName, optionalFactsNeeded, type BuildResult, type IngressClassParamsObject, type Snapshot } from '../ingress/index.ts';
import { findBackendSecurityGroup } from '../deploy/backend-security-group.ts';
import { createKubeRest, isNotFound, loadKubeConfig, statusOf, type KubeRest } from '../k8s/client.ts';
import { RESOURCES, resourcePath, type TargetGroupBinding } from '../k8s/types.ts';
import type { DiscoveredFacts } from '../model/discovery.ts';
import { LABEL_SERVICE_STACK_NAME, LABEL_SERVICE_STACK_NAMESPACE, LABEL_STACK, LABEL_STACK_NAME, LABEL_STACK_NAMESPACE } from '../model/tags.ts';
import type { ObservedBinding } from '../plan/index.ts';
import type { ObservedStack, ObservedStacks } from './inputs.ts';
import { UsageError } from './io.ts';

export const DEFAULT_LIVE_MAX_RETRIES = 3;

export interface LiveFlags {
  readonly region: string;
  readonly vpcId: string;
  /** --aws-api-endpoints as config.ts parsed it (service ID → URL), service IDs already checked */
  readonly endpoints?: Readonly<Record<string, string>>;
  readonly maxRetries: number;
  /** read the input objects from this cluster instead of -f */
  readonly kubeconfig?: string;
}

/** what tests substitute: the environment, SDK client settings (a fake HTTP handler), the apiserver */
export interface LiveDeps {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clients?: Partial<AwsClientsConfig>;
  readonly kubeRest?: KubeRest;
}

/** the flags `plan --live` shares with `run`, as config.ts parsed them (same checks, same messages) */
export type LiveConfig = Pick<Config, 'awsRegion' | 'awsVpcId' | 'awsApiEndpoints' | 'awsMaxRetries' | 'kubeconfig'>;

/**
 * LiveFlags from the parsed shared flags. `maxRetriesGiven`: whether --aws-max-retries was on the command
 * line; if not, plan's own default applies (lower than the controller's: a person waits).
 */
export function liveFlagsFrom(config: LiveConfig, maxRetriesGiven: boolean): LiveFlags {
  const vpcId = config.awsVpcId;
  if (!vpcId) throw new UsageError('--live needs --aws-vpc-id (the cluster\'s VPC: subnets, security groups and owned resources are read from it)');
  const region = config.awsRegion;
  if (!region) throw new UsageError('--live needs --aws-region (or AWS_REGION in the environment)');
  const endpoints = config.awsApiEndpoints;
  try {
    // the service IDs: run meets the same check when it creates its clients
    normalizeEndpoints(endpoints);
  } catch (e) {
    if (e instanceof FlagError) throw new UsageError(e.message);
    throw e;
  }
  return {
    region, vpcId,
    maxRetries: maxRetriesGiven ? config.awsMaxRetries : DEFAULT_LIVE_MAX_RETRIES,
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
  };
}

/** one live session: the AWS clients (one shared call counter) and cached discovery */
export class LiveSource {
  readonly clients: AwsClients;
  readonly discovery: Discovery;
  readonly #flags: LiveFlags;

  constructor(flags: LiveFlags, deps: LiveDeps = {}) {
    this.#flags = flags;
    this.clients = createAwsClients({
      region: flags.region,
      maxRetries: flags.maxRetries,
      ...(flags.endpoints ? { endpoints: flags.endpoints } : {}),
      ...deps.clients,
    });
    this.discovery = new Discovery(this.clients, { vpcId: flags.vpcId });
  }

  get counter(): CallCounter {
    return this.clients.counter;
  }

  /**
   * Discovers the facts `build` needs and returns its result with them. The VPC and its subnets are always
   * read; security groups, certificates and the shared backend security group only when the first build leaves
   * an Unknown that needs them, then the build is run again with them. A backend group that does not exist yet
   * stays an Unknown (the controller creates it before its first apply).
   */
  async build(build: (facts: DiscoveredFacts) => BuildResult, backend: { readonly clusterName: string; readonly backendSecurityGroupId?: string }):
    Promise<{ facts: DiscoveredFacts; built: BuildResult }> {
    const given = backend.backendSecurityGroupId ? { backendSecurityGroupId: backend.backendSecurityGroupId } : {};
    let facts: DiscoveredFacts = { ...await this.#discover({ subnets: true, securityGroups: false, certificates: false }), ...given };
    const first = build(facts);
    const needs = optionalFactsNeeded(first.stacks);
    const discover = needs.securityGroups || needs.certificates || needs.webAcls || needs.trustStoreNames.length > 0;
    if (!discover && !needs.backendSecurityGroup && !needs.managedCertificates) return { facts, built: first };
    if (discover) {
      facts = {
        ...await this.#discover({
          subnets: true, securityGroups: needs.securityGroups, certificates: needs.certificates, webAcls: needs.webAcls, trustStoreNames: needs.trustStoreNames,
        }),
        ...given,
      };
    }
    if (needs.backendSecurityGroup) {
      const found = await this.#aws('looking for the shared backend security group', () => findBackendSecurityGroup(this.clients.ec2,
        { clusterName: backend.clusterName, vpcId: this.#flags.vpcId, name: backendSecurityGroupName(backend.clusterName) }));
      if (found) facts = { ...facts, backendSecurityGroupId: found.groupId };
    }
    if (needs.managedCertificates) {
      const managed = await this.#aws('reading the ACM certificates this cluster requested',
        () => new CertificateManager(this.clients.acm, { clusterName: backend.clusterName }).observe());
      facts = { ...facts, managedCertificates: managed };
    }
    return { facts, built: build(facts) };
  }

  /** every stack this cluster owns in the VPC, IngressGroups and Services, as deploy/observe reads them (one pass) */
  async observe(clusterName: string): Promise<ObservedStacks> {
    const all = await this.#aws('observing the owned AWS resources', () => observeEveryFamily(this.clients, { clusterName, vpcId: this.#flags.vpcId }));
    const of = (family: StackFamily): Map<string, ObservedStack> => new Map([...(all.get(family) ?? [])].map(([id, state]) => [id, { state }]));
    return { ingress: of('ingress'), service: of('service') };
  }

  /**
   * The observed state completed with what only some stacks set (listener attributes, capacity reservations,
   * web ACLs, Shield protections), read where a built stack sets it, as the controllers do (deploy/observe
   * observeExtras, deploy/observe-addons observeAddons).
   */
  async extras(observed: ObservedStacks, stacks: readonly Stack[]): Promise<ObservedStacks> {
    const complete = async (family: StackFamily): Promise<Map<string, ObservedStack>> => {
      const out = new Map(family === 'service' ? observed.service : observed.ingress);
      for (const stack of stacks.filter((s) => (s.family ?? 'ingress') === family)) {
        const seen = out.get(stack.id);
        if (!seen) continue;
        const extras = await this.#aws('reading listener attributes and capacity reservations', () => observeExtras(this.clients.elbv2, stack, seen.state));
        const state = await this.#aws('reading web ACLs and Shield protections', () => observeAddons(this.clients.addons, stack, extras));
        out.set(stack.id, { ...seen, state });
      }
      return out;
    };
    return { ingress: await complete('ingress'), service: await complete('service') };
  }

  /** discovery as `build` runs it (cached: facts already read cost no call) */
  discover(what: FactsToDiscover): Promise<DiscoveredFacts> {
    return this.#discover(what);
  }

  destroy(): void {
    this.clients.destroy();
  }

  async #discover(what: FactsToDiscover): Promise<DiscoveredFacts> {
    const facts = await this.#aws('discovering the VPC, subnets, security groups and certificates', () => this.discovery.discoverFacts(what));
    if (facts.vpcCidrs === undefined) {
      throw new UsageError(`--aws-vpc-id ${this.#flags.vpcId}: no such VPC in ${this.#flags.region}`);
    }
    return facts;
  }

  async #aws<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const code = err instanceof AwsError ? err.awsCode : awsErrorCodeOf(err);
      if (/^InvalidVpcID/.test(code)) throw new UsageError(`--aws-vpc-id ${this.#flags.vpcId}: no such VPC in ${this.#flags.region}`);
      const message = err instanceof Error ? err.message : String(err);
      // adapters' errors already read "elbv2 DescribeLoadBalancers: AccessDenied: …"
      throw new UsageError(`AWS error while ${what}: ${err instanceof AwsError || message.includes(code) ? message : `${code}: ${message}`}`);
    }
  }
}

/**
 * The AWS calls made, by service and operation (each HTTP attempt counts, retries included):
 *   AWS API calls: 9 reads, 0 writes
 *     ec2    DescribeSubnets  1
 */
export function formatCallSummary(counter: CallCounter): string {
  const reads = counter.total({ write: false });
  const writes = counter.total({ write: true });
  const rows = new Map<string, { service: string; operation: string; count: number; failed: number }>();
  for (const c of counter.snapshot()) {
    const key = `${c.service} ${c.operation}`;
    const row = rows.get(key) ?? { service: c.service, operation: c.operation, count: 0, failed: 0 };
    row.count += c.count;
    if (c.outcome !== 'success') row.failed += c.count;
    rows.set(key, row);
  }
  const list = [...rows.values()];
  const sw = Math.max(0, ...list.map((r) => r.service.length));
  const ow = Math.max(0, ...list.map((r) => r.operation.length));
  return [
    `AWS API calls: ${reads} read${reads === 1 ? '' : 's'}, ${writes} write${writes === 1 ? '' : 's'}`,
    ...list.map((r) => `  ${r.service.padEnd(sw)}  ${r.operation.padEnd(ow)}  ${r.count}${r.failed > 0 ? ` (${r.failed} failed)` : ''}${isWriteOperation(r.operation) ? '  WRITE' : ''}`),
  ].join('\n') + '\n';
}

// ---- the input objects from a cluster (--kubeconfig) ----

export interface ClusterObjects {
  readonly snapshot: Snapshot;
  readonly bindings: readonly TargetGroupBinding[];
}

const LIST_ATTEMPTS = 6;

export function kubeRestFor(kubeconfig: string): KubeRest {
  try {
    return createKubeRest(loadKubeConfig({ kubeconfig }));
  } catch (e) {
    throw new UsageError(`--kubeconfig ${kubeconfig}: ${(e as Error).message}`);
  }
}

/**
 * Lists (GET only) the Ingresses, IngressClasses, IngressClassParams, Services and Namespaces the builder
 * reads, and the TargetGroupBindings the planner compares. A CRD that is not installed reads as empty.
 */
export async function readCluster(rest: KubeRest): Promise<ClusterObjects> {
  const list = async <T>(path: string, optional = false): Promise<T[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await rest.request<{ items?: T[] }>({ method: 'GET', path })).items ?? [];
      } catch (err) {
        if (optional && isNotFound(err)) return [];
        // 429/503: the apiserver asks to come back (e.g. "storage is (re)initializing" for a new CRD)
        const status = statusOf(err);
        if ((status === 429 || status === 503) && attempt < LIST_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
          continue;
        }
        throw new UsageError(`reading ${path} from the cluster: ${(err as Error).message}`);
      }
    }
  };
  const [ingresses, ingressClasses, ingressClassParams, services, namespaces, bindings] = await Promise.all([
    list<Snapshot['ingresses'][number]>(resourcePath(RESOURCES.ingress)),
    list<Snapshot['ingressClasses'][number]>(resourcePath(RESOURCES.ingressClass)),
    list<IngressClassParamsObject>(resourcePath(RESOURCES.ingressClassParams), true),
    list<Snapshot['services'][number]>(resourcePath(RESOURCES.service)),
    list<NonNullable<Snapshot['namespaces']>[number]>('/api/v1/namespaces'),
    list<TargetGroupBinding>(resourcePath(RESOURCES.targetGroupBinding), true),
  ]);
  return { snapshot: { ingresses, ingressClasses, ingressClassParams, services, namespaces }, bindings };
}

/**
 * the bindings labelled for a stack (upstream's labels: explicit group name, or namespace + name; a Service's with
 * the service.k8s.aws/ prefix)
 */
export function bindingsOfStack(bindings: readonly TargetGroupBinding[], stackId: string, family: StackFamily = 'ingress'): ObservedBinding[] {
  const [nsKey, nameKey] = family === 'service' ? [LABEL_SERVICE_STACK_NAMESPACE, LABEL_SERVICE_STACK_NAME] : [LABEL_STACK_NAMESPACE, LABEL_STACK_NAME];
  return bindings.filter((b) => {
    const l = b.metadata?.labels ?? {};
    return (family === 'ingress' && l[LABEL_STACK] === stackId) || (l[nsKey] !== undefined && `${l[nsKey]}/${l[nameKey] ?? ''}` === stackId);
  }).map(fromWire);
}
