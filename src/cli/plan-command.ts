// `aws-lb-controller plan`: manifests (+ optional facts and observed state) → the plans the controller would
// apply, per IngressGroup (ALB) and per Service of type LoadBalancer (NLB), with every error and decision.
// Exit 0 = no changes, 2 = changes, 1 = errors.
import { parseArgs } from 'node:util';
import { builderSettings, CONFIG_DEFAULTS, parseConfigFlags, serviceBuilderSettings, serviceControllerEnabled, type Config } from '../config/config.ts';
import { buildStacks, oidcSecretsNeeded, optionalFactsNeeded, type BuildConfig, type DeployedLoadBalancers, type GroupOutcome, type Snapshot } from '../ingress/index.ts';
import type { DiscoveredFacts } from '../model/discovery.ts';
import { formatIssue, objectName, type Issue, type Note } from '../model/issues.ts';
import { emptyObservedState } from '../model/observed.ts';
import type { Stack } from '../model/stack.ts';
import { hasChanges, planStack, renderJson, renderLegend, renderText, type Plan } from '../plan/index.ts';
import { buildServiceStack, existingLoadBalancerOf, serviceIdOf, serviceRef, type ServiceBuildConfig } from '../service/index.ts';
import { loadFacts, loadObserved, noObservedStacks, type ObservedStack, type ObservedStacks } from './inputs.ts';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';
import { ResourceClient } from '../k8s/client.ts';
import { readOidcSecretInfos } from '../k8s/oidc-secrets.ts';
import { bindingsOfStack, DEFAULT_LIVE_MAX_RETRIES, formatCallSummary, kubeRestFor, liveFlagsFrom, LiveSource, readCluster, type LiveDeps, type LiveFlags } from './live.ts';
import { parseObjects, readSources, toSnapshot } from './manifests.ts';

const D = CONFIG_DEFAULTS;

export const PLAN_USAGE = `Usage: aws-lb-controller plan -f <file|dir|-> --cluster-name NAME [flags]
       aws-lb-controller plan --live --aws-vpc-id VPC [--aws-region R] (-f <file|dir|-> | --kubeconfig FILE) --cluster-name NAME [flags]

Prints the changes the controller would make in AWS for the Ingresses and the Services of type LoadBalancer
in the given manifests.

Flags:
  -f, --filename PATH             a YAML file, a directory of *.yaml/*.yml files, or - for stdin (required)
      --cluster-name NAME         the cluster name used in tags and names (required)
  -o, --output text|json          output format (default text; json is documented in docs/plan-format.md)
      --facts FILE                discovered facts (VPC, subnets, security groups, certificates) as JSON
      --observed FILE             observed AWS state per stack as JSON: {"stacks": {"<stackId>": {...}},
                                  "serviceStacks": {"<namespace>/<name>": {...}}}

The controller's flags (\`run\`), checked as \`run\` checks them:
      --ingress-class NAME        value of the legacy kubernetes.io/ingress.class annotation (default ${D.ingressClass})
      --default-load-balancer-scheme S, --default-scheme S
                                  internal or internet-facing (default ${D.defaultLoadBalancerScheme})
      --default-target-type T     instance or ip (default ${D.defaultTargetType})
      --default-ssl-policy P      default SSL policy of HTTPS listeners (default ${D.defaultSslPolicy})
      --default-tags K=V,...      tags added to every AWS resource
      --external-managed-tags K,… tag keys managed outside the controller (never added or removed)
      --enable-backend-security-group[=true|false]
                                  attach the shared backend security group k8s-traffic-<cluster>-<hash> (default ${D.enableBackendSecurityGroup})
      --backend-security-group SG use this group as the backend security group
      --enable-manage-backend-security-group-rules[=true|false]
                                  with the security-groups annotation, still manage the target rules (default ${D.enableManageBackendSecurityGroupRules})
      --enable-wafv2[=true|false] associate WAFv2 web ACLs; false refuses wafv2-acl-* (default ${D.enableWafv2})
      --enable-shield[=true|false] manage Shield Advanced protections; false refuses shield-advanced-protection (default ${D.enableShield})
      --load-balancer-class C     spec.loadBalancerClass of the Services to plan (default ${D.loadBalancerClass})
      --default-pca-arn ARN       private CA of create-acm-cert certificates whose Ingress sets no acm-pca-arn
      --feature-gates NAME=BOOL,… upstream's feature gates (docs/flags.md); the ones the build consults apply
      --disable-ingress-class-annotation[=true|false]
      --disable-ingress-group-name-annotation[=true|false]
                                  refuse new uses of these annotations, as \`run\` does (default false)
      --max-rules-per-load-balancer N, --max-listeners-per-load-balancer N, --max-certificates-per-load-balancer N,
      --max-inbound-rules-per-security-group N
                                  AWS quotas raised for the account (defaults: AWS's, ${D.awsQuotas.rulesPerLoadBalancer}, ${D.awsQuotas.listenersPerLoadBalancer}, ${D.awsQuotas.certificatesPerLoadBalancer}, ${D.awsQuotas.inboundRulesPerSecurityGroup})

Live (read-only: only Describe/List calls; the calls made are counted and printed at the end):
      --live                      discover the facts and read the observed state from AWS (not with --facts/--observed)
      --aws-vpc-id VPC            the cluster's VPC (required with --live)
      --aws-region R              AWS region (default $AWS_REGION, else $AWS_DEFAULT_REGION)
      --aws-api-endpoints S=URL,… endpoint overrides, e.g. elasticloadbalancing=http://127.0.0.1:5000,ec2=…
                                  ($AWS_ENDPOINT_URL and the standard credential chain are honoured too)
      --aws-max-retries N         retries per AWS call (default ${DEFAULT_LIVE_MAX_RETRIES}; the controller's is ${D.awsMaxRetries})
      --kubeconfig FILE           read Ingresses, Services, IngressClasses, IngressClassParams, Namespaces and
                                  TargetGroupBindings from this cluster instead of -f

Without --facts, values that discovery supplies show as "(known after discovery)"; without --observed, the
plan is made against an empty account (everything is created).

Exit codes: 0 no changes, 2 changes, 1 errors (any Ingress or Service error, or bad flags or input files).
An unexpected failure prints one "error: …" line; AWS_LB_CONTROLLER_DEBUG=1 adds its stack trace.
`;

interface PlanFlags {
  /** absent only with --live --kubeconfig */
  readonly filename?: string;
  readonly output: 'text' | 'json';
  readonly facts?: string;
  readonly observed?: string;
  readonly config: BuildConfig;
  /** absent when --enable-service-controller or the gate EnableServiceController switch Services off */
  readonly serviceConfig?: ServiceBuildConfig;
  readonly externalManagedTags: readonly string[];
  /** --backend-security-group: the backend group's ID as a given fact */
  readonly backendSecurityGroup?: string;
  readonly live?: LiveFlags;
}

/** what tests substitute: the live dependencies, and the builder (to inject a failure) */
export interface PlanDeps extends LiveDeps {
  readonly buildStacks?: typeof buildStacks;
}

const OPTIONS = {
  filename: { type: 'string', short: 'f' },
  'cluster-name': { type: 'string' },
  output: { type: 'string', short: 'o', default: 'text' },
  facts: { type: 'string' },
  observed: { type: 'string' },
  'ingress-class': { type: 'string' },
  'default-load-balancer-scheme': { type: 'string' },
  'default-scheme': { type: 'string' },
  'default-target-type': { type: 'string' },
  'default-ssl-policy': { type: 'string' },
  'default-tags': { type: 'string' },
  'external-managed-tags': { type: 'string' },
  'enable-backend-security-group': { type: 'string' },
  'backend-security-group': { type: 'string' },
  'enable-manage-backend-security-group-rules': { type: 'string' },
  'enable-wafv2': { type: 'string' },
  'enable-shield': { type: 'string' },
  'load-balancer-class': { type: 'string' },
  'feature-gates': { type: 'string' },
  'default-pca-arn': { type: 'string' },
  'disable-ingress-class-annotation': { type: 'string' },
  'disable-ingress-group-name-annotation': { type: 'string' },
  'max-rules-per-load-balancer': { type: 'string' },
  'max-listeners-per-load-balancer': { type: 'string' },
  'max-certificates-per-load-balancer': { type: 'string' },
  'max-inbound-rules-per-security-group': { type: 'string' },
  live: { type: 'boolean', default: false },
  'aws-region': { type: 'string' },
  'aws-vpc-id': { type: 'string' },
  'aws-api-endpoints': { type: 'string' },
  'aws-max-retries': { type: 'string' },
  kubeconfig: { type: 'string' },
} as const;

/** plan's flags that are `run`'s flags: parsed by config.ts, so both commands accept and refuse the same values */
const SHARED = ['cluster-name', 'ingress-class', 'default-load-balancer-scheme', 'default-target-type', 'default-ssl-policy',
  'default-tags', 'external-managed-tags', 'enable-backend-security-group', 'backend-security-group', 'enable-manage-backend-security-group-rules',
  'enable-wafv2', 'enable-shield', 'load-balancer-class', 'feature-gates', 'default-pca-arn', 'disable-ingress-class-annotation', 'disable-ingress-group-name-annotation',
  'max-rules-per-load-balancer', 'max-listeners-per-load-balancer', 'max-certificates-per-load-balancer', 'max-inbound-rules-per-security-group',
  'aws-region', 'aws-vpc-id', 'aws-api-endpoints', 'aws-max-retries', 'kubeconfig'] as const;

/** shared boolean flags: alone they mean true (as for `run`); `=false` turns them off */
const SHARED_BOOLEANS = new Set(['--disable-ingress-class-annotation', '--disable-ingress-group-name-annotation',
  '--enable-backend-security-group', '--enable-manage-backend-security-group-rules', '--enable-wafv2', '--enable-shield']);

/** plan's older names for `run`'s flags */
const ALIASES: Readonly<Record<string, (typeof SHARED)[number]>> = { 'default-scheme': 'default-load-balancer-scheme' };

const LIVE_ONLY = ['aws-region', 'aws-vpc-id', 'aws-api-endpoints', 'aws-max-retries', 'kubeconfig'] as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** the shared flags through config.ts; messages name the flag as the user wrote it */
function parseShared(values: Readonly<Record<string, string | undefined>>, env: Readonly<Record<string, string | undefined>>): Config {
  const given: Record<string, string> = {};
  const spelled = new Map<string, string>();
  for (const flag of [...SHARED, ...Object.keys(ALIASES)]) {
    const value = values[flag];
    if (value === undefined) continue;
    const name = ALIASES[flag] ?? flag;
    if (given[name] !== undefined) throw new UsageError(`give either --${spelled.get(name) ?? name} or --${flag}, not both`);
    given[name] = value;
    spelled.set(name, flag);
  }
  // only the region comes from the environment: $KUBECONFIG does not turn -f into a cluster read
  const parsed = parseConfigFlags(given, { AWS_REGION: env['AWS_REGION'], AWS_DEFAULT_REGION: env['AWS_DEFAULT_REGION'] });
  if ('errors' in parsed) {
    const named = parsed.errors.map((e) => [...spelled].reduce((m, [name, as]) => (name === as ? m : m.split(`--${name}`).join(`--${as}`)), e));
    throw new UsageError(named.join('\n       '));
  }
  return parsed.config;
}

/** the builder's settings from the controller's, as the controller derives them */

export function parsePlanFlags(args: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): PlanFlags {
  let parsed: Record<string, string | boolean | undefined>;
  try {
    const spelled = args.map((a) => (SHARED_BOOLEANS.has(a) ? `${a}=true` : a));
    ({ values: parsed } = parseArgs({ args: spelled, options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const isLive = parsed.live === true;
  const values = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string | undefined>;
  const filename = values.filename;
  if (isLive) {
    for (const f of ['facts', 'observed'] as const) {
      if (values[f] !== undefined) {
        throw new UsageError(`--${f} cannot be used with --live: with --live the ${f === 'facts' ? 'facts are discovered' : 'observed state is read'} from AWS`);
      }
    }
  } else {
    const given = LIVE_ONLY.find((f) => values[f] !== undefined);
    if (given) throw new UsageError(`--${given} needs --live`);
  }
  const config = parseShared(values, env);
  let live: LiveFlags | undefined;
  if (isLive) {
    live = liveFlagsFrom(config, values['aws-max-retries'] !== undefined);
    if (filename && live.kubeconfig) throw new UsageError('give either -f or --kubeconfig, not both');
    if (!filename && !live.kubeconfig) throw new UsageError('-f/--filename (a file, a directory, or - for stdin) or --kubeconfig is required');
  } else if (!filename) {
    throw new UsageError('-f/--filename is required (a file, a directory, or - for stdin)');
  }
  return {
    ...(filename ? { filename } : {}),
    ...(live ? { live } : {}),
    output: oneOf('output', values.output ?? 'text', ['text', 'json'] as const),
    ...(values.facts ? { facts: values.facts } : {}),
    ...(values.observed ? { observed: values.observed } : {}),
    externalManagedTags: config.externalManagedTags,
    ...(config.backendSecurityGroup ? { backendSecurityGroup: config.backendSecurityGroup } : {}),
    config: { ...builderSettings(config), previewCertificates: true },
    ...(serviceControllerEnabled(config) ? { serviceConfig: serviceBuilderSettings(config) } : {}),
  };
}

/** observed stacks that no built stack covers: say why they are not planned */
function unplannedWarnings(observed: ObservedStacks, plans: readonly Plan[], groups: readonly GroupOutcome[], services: ServiceBuilds): string[] {
  const out: string[] = [];
  const planned = new Set(plans.filter((p) => p.family !== 'service').map((p) => p.stackId));
  for (const id of [...observed.ingress.keys()].sort()) {
    if (planned.has(id)) continue;
    const g = groups.find((x) => x.id === id);
    out.push(g?.blocked
      ? `stack ${JSON.stringify(id)} is not planned: every member has errors, so its AWS resources are left alone`
      : `stack ${JSON.stringify(id)} is in the observed state but no Ingress in the input belongs to it; not planned`);
  }
  const plannedServices = new Set(plans.filter((p) => p.family === 'service').map((p) => p.stackId));
  for (const id of [...observed.service.keys()].sort()) {
    if (plannedServices.has(id)) continue;
    out.push(services.blocked.has(id)
      ? `Service stack ${JSON.stringify(id)} is not planned: the Service has errors, so its AWS resources are left alone`
      : `Service stack ${JSON.stringify(id)} is in the observed state but no Service of this controller in the input belongs to it; not planned`);
  }
  return out;
}

interface ServiceBuilds {
  readonly stacks: readonly Stack[];
  readonly issues: readonly Issue[];
  readonly notes: readonly Note[];
  /** stack IDs of Services that are ours but have errors */
  readonly blocked: ReadonlySet<string>;
}

/** one NLB stack per Service this controller manages, built as the controller builds it (with the live NLB's facts) */
function buildServices(snapshot: Snapshot, facts: DiscoveredFacts, config: ServiceBuildConfig | undefined, observed: ObservedStacks): ServiceBuilds {
  const stacks: Stack[] = [];
  const issues: Issue[] = [];
  const notes: Note[] = [];
  const blocked = new Set<string>();
  for (const service of config ? snapshot.services : []) {
    const id = serviceIdOf(service);
    const stackId = `${id.namespace}/${id.name}`;
    const seen = observed.service.get(stackId)?.state;
    const existing = seen ? existingLoadBalancerOf(seen) : undefined;
    const r = buildServiceStack({ service, facts, config: config as ServiceBuildConfig, ...(existing ? { existing } : {}) });
    if (r.action === 'ignored') continue;
    issues.push(...r.issues);
    notes.push(...r.notes);
    if (!r.stack) { blocked.add(stackId); continue; }
    stacks.push(r.stack);
    if (r.action === 'build' && id.uid === '') {
      notes.push({ object: serviceRef(service), subject: 'names', message: 'no metadata.uid (a manifest never applied): the NLB, target group and '
        + 'security group names hash the Service UID, so the real ones differ; read the Service from the cluster (--live --kubeconfig) to see them' });
    }
  }
  return { stacks, issues, notes, blocked };
}

function renderTextOutput(plans: readonly Plan[], issues: readonly Issue[], notes: readonly Note[], warnings: readonly string[]): string {
  const parts: string[] = plans.map((p) => renderText(p, { legend: false }));
  const legend = renderLegend(plans);
  if (legend) parts.unshift(legend.slice(0, -1));
  if (plans.length === 0 && issues.length === 0) parts.push('No Ingresses or Services for this controller in the input.\n');
  if (notes.length > 0) {
    parts.push(['Notes:', ...notes.map((n) => `  ${objectName(n.object)}: ${n.subject}: ${n.message}`)].join('\n') + '\n');
  }
  if (warnings.length > 0) parts.push(['Warnings:', ...warnings.map((w) => `  ${w}`)].join('\n') + '\n');
  if (issues.length > 0) {
    const services = issues.some((i) => i.object.kind === 'Service') ? '; the Services named here get no changes' : '';
    parts.push([`Errors (${issues.length}); the Ingresses named here are left out of their groups${services}:`, ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n') + '\n');
  }
  return parts.join('\n');
}

interface PlanInputs {
  readonly snapshot: Snapshot;
  readonly built: ReturnType<typeof buildStacks>;
  readonly services: ServiceBuilds;
  readonly observed: ObservedStacks;
  /** bindings read from the cluster (--live --kubeconfig), compared per stack */
  readonly bindingsOf?: (stackId: string, family: Stack['family']) => ObservedStack['bindings'];
}

/** each observed stack's load balancer DNS name: with it the builder tells members deployed already (ADR 6) */
function deployedLoadBalancers(observed: ReadonlyMap<string, ObservedStack>): DeployedLoadBalancers {
  const out = new Map<string, string>();
  for (const [id, o] of observed) {
    // the ALB's (a frontend NLB is the stack's only network load balancer)
    const dns = o.state.loadBalancers.find((l) => l.spec.type !== 'network')?.dnsName;
    if (typeof dns === 'string' && dns !== '') out.set(id, dns);
  }
  return out;
}

async function fileInputs(flags: PlanFlags, io: Io, deps: PlanDeps): Promise<PlanInputs> {
  const snapshot = toSnapshot(parseObjects(await readSources(flags.filename ?? '-', io)));
  const loaded = flags.facts ? await loadFacts(flags.facts) : {};
  const facts = flags.backendSecurityGroup ? { ...loaded, backendSecurityGroupId: flags.backendSecurityGroup } : loaded;
  const observed = flags.observed ? await loadObserved(flags.observed) : noObservedStacks();
  return {
    snapshot, built: (deps.buildStacks ?? buildStacks)(snapshot, facts, flags.config, deployedLoadBalancers(observed.ingress)), observed,
    services: buildServices(snapshot, facts, flags.serviceConfig, observed),
  };
}

async function liveInputs(flags: PlanFlags, live: LiveFlags, source: LiveSource, io: Io, deps: PlanDeps): Promise<PlanInputs> {
  let snapshot: Snapshot;
  let bindingsOf: PlanInputs['bindingsOf'];
  const rest = live.kubeconfig ? deps.kubeRest ?? kubeRestFor(live.kubeconfig) : undefined;
  if (rest) {
    const cluster = await readCluster(rest);
    snapshot = cluster.snapshot;
    bindingsOf = (stackId, family) => bindingsOfStack(cluster.bindings, stackId, family);
  } else {
    snapshot = toSnapshot(parseObjects(await readSources(flags.filename ?? '-', io)));
  }
  const build = deps.buildStacks ?? buildStacks;
  const observed = await source.observe(flags.config.clusterName);
  const deployed = deployedLoadBalancers(observed.ingress);
  const first = await source.build((f) => build(snapshot, f, flags.config, deployed),
    { clusterName: flags.config.clusterName, ...(flags.backendSecurityGroup ? { backendSecurityGroupId: flags.backendSecurityGroup } : {}) });
  const { facts } = first;
  let { built } = first;
  // OIDC client Secrets named by the Ingresses: a GET of each (ADR 0014); the plan shows only a digest
  const secrets = oidcSecretsNeeded(built.stacks);
  if (rest && secrets.length > 0) {
    snapshot = { ...snapshot, oidcSecrets: await readOidcSecretInfos(new ResourceClient(rest, 'secret'), secrets) };
    built = build(snapshot, facts, flags.config, deployed);
  }
  // Services are built knowing their live NLB; security groups named in their annotations cost one more read
  let services = buildServices(snapshot, facts, flags.serviceConfig, observed);
  if (facts.securityGroups === undefined && optionalFactsNeeded(services.stacks).securityGroups) {
    services = buildServices(snapshot, await source.discover({ subnets: true, securityGroups: true, certificates: false }), flags.serviceConfig, observed);
  }
  const complete = await source.extras(observed, [...built.stacks, ...services.stacks]);
  return { snapshot, built, services, observed: complete, ...(bindingsOf ? { bindingsOf } : {}) };
}

export const DEBUG_ENV = 'AWS_LB_CONTROLLER_DEBUG';

/**
 * `deps` is for tests (fake AWS transport, environment, apiserver, builder); the CLI passes none.
 * A UsageError (bad flags, a manifest problem naming its place) propagates (runCli prints it); any other
 * failure is a bug: one `error: …` line naming the input and exit 1, the stack only with
 * AWS_LB_CONTROLLER_DEBUG=1.
 */
export async function planCommand(args: readonly string[], io: Io, deps: PlanDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  let input = 'its input';
  try {
    const flags = parsePlanFlags(args, env);
    input = flags.filename === '-' ? 'stdin' : flags.filename ?? flags.live?.kubeconfig ?? input;
    return await plan(flags, io, deps);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err instanceof Error ? err : new Error(String(err));
    const firstLine = e.message.split('\n', 1)[0] ?? '';
    const debug = env[DEBUG_ENV] !== undefined && env[DEBUG_ENV] !== '' && env[DEBUG_ENV] !== '0';
    io.stderr(`error: plan failed unexpectedly on ${input}: ${e.name}: ${firstLine}${debug ? '' : ` (${DEBUG_ENV}=1 prints the stack trace)`}\n`);
    if (debug) io.stderr(`${e.stack ?? String(err)}\n`);
    return EXIT_ERROR;
  }
}

async function plan(flags: PlanFlags, io: Io, deps: PlanDeps): Promise<number> {
  const source = flags.live ? new LiveSource(flags.live, deps) : undefined;
  if (!flags.live || !source) return render(flags, await fileInputs(flags, io, deps), io);
  let planned = false;
  try {
    const code = render(flags, await liveInputs(flags, flags.live, source, io, deps), io);
    planned = true;
    return code;
  } finally {
    // text: a trailer of the plan; JSON, or when no plan was printed: on stderr (stdout stays one JSON document)
    const calls = formatCallSummary(source.counter);
    if (planned && flags.output === 'text') io.stdout(`\n${calls}`);
    else io.stderr(calls);
    source.destroy();
  }
}

function render(flags: PlanFlags, inputs: PlanInputs, io: Io): number {
  const { built, observed, services } = inputs;
  const byId = (a: Stack, b: Stack): number => a.id.localeCompare(b.id);
  const plans = [...[...built.stacks].sort(byId), ...[...services.stacks].sort(byId)].map((stack) => {
    const o = (stack.family === 'service' ? observed.service : observed.ingress).get(stack.id);
    const bindings = inputs.bindingsOf ? inputs.bindingsOf(stack.id, stack.family) : o?.bindings;
    return planStack(stack, o?.state ?? emptyObservedState(), {
      clusterName: flags.config.clusterName,
      externalManagedTags: flags.externalManagedTags,
      ...(bindings ? { observedBindings: bindings } : {}),
    });
  });
  const warnings = unplannedWarnings(observed, plans, built.groups, services);
  const issues = [...built.issues, ...services.issues];
  const notes = [...built.notes, ...services.notes];
  io.stdout(flags.output === 'json'
    ? renderJson(plans, { issues, notes, warnings })
    : renderTextOutput(plans, issues, notes, warnings));
  if (issues.length > 0) return EXIT_ERROR;
  return plans.some(hasChanges) ? EXIT_CHANGES : EXIT_OK;
}
