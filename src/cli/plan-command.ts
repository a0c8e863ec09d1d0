// `aws-lb-controller plan`: manifests (+ optional facts and observed state) → the plans the controller would
// apply, per IngressGroup, with every Ingress error and decision. Exit 0 = no changes, 2 = changes, 1 = errors.
import { parseArgs } from 'node:util';
import { buildStacks, type BuildConfig, type GroupOutcome, type Snapshot } from '../ingress/index.ts';
import { formatIssue, objectName, type Issue, type Note } from '../model/issues.ts';
import { emptyObservedState } from '../model/observed.ts';
import { RESERVED_TAG_KEYS } from '../model/tags.ts';
import type { Scheme, TargetType } from '../model/elbv2.ts';
import { hasChanges, planStack, renderJson, renderLegend, renderText, type Plan } from '../plan/index.ts';
import { loadFacts, loadObserved, type ObservedStack } from './inputs.ts';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';
import { bindingsOfStack, formatCallSummary, kubeRestFor, LiveSource, parseLiveFlags, readCluster, type LiveDeps, type LiveFlags } from './live.ts';
import { parseObjects, readSources, toSnapshot } from './manifests.ts';

export const PLAN_USAGE = `Usage: aws-lb-controller plan -f <file|dir|-> --cluster-name NAME [flags]
       aws-lb-controller plan --live --aws-vpc-id VPC [--aws-region R] (-f <file|dir|-> | --kubeconfig FILE) --cluster-name NAME [flags]

Prints the changes the controller would make in AWS for the Ingresses in the given manifests.

Flags:
  -f, --filename PATH             a YAML file, a directory of *.yaml/*.yml files, or - for stdin (required)
      --cluster-name NAME         the cluster name used in tags and names (required)
  -o, --output text|json          output format (default text; json is documented in docs/plan-format.md)
      --facts FILE                discovered facts (VPC, subnets, security groups, certificates) as JSON
      --observed FILE             observed AWS state per stack as JSON: {"stacks": {"<stackId>": {...}}}
      --ingress-class NAME        value of the legacy kubernetes.io/ingress.class annotation (default alb)
      --default-scheme S          internal or internet-facing (default internal)
      --default-target-type T     instance or ip (default instance)
      --default-ssl-policy P      default SSL policy of HTTPS listeners (default ELBSecurityPolicy-2016-08)
      --default-tags K=V,...      tags added to every AWS resource
      --external-managed-tags K,… tag keys managed outside the controller (never added or removed)

Live (read-only: only Describe/List calls; the calls made are counted and printed at the end):
      --live                      discover the facts and read the observed state from AWS (not with --facts/--observed)
      --aws-vpc-id VPC            the cluster's VPC (required with --live)
      --aws-region R              AWS region (default $AWS_REGION, else $AWS_DEFAULT_REGION)
      --aws-api-endpoints S=URL,… endpoint overrides, e.g. elasticloadbalancing=http://127.0.0.1:5000,ec2=…
                                  ($AWS_ENDPOINT_URL and the standard credential chain are honoured too)
      --aws-max-retries N         retries per AWS call (default 3)
      --kubeconfig FILE           read Ingresses, Services, IngressClasses, IngressClassParams, Namespaces and
                                  TargetGroupBindings from this cluster instead of -f

Without --facts, values that discovery supplies show as "(known after discovery)"; without --observed, the
plan is made against an empty account (everything is created).

Exit codes: 0 no changes, 2 changes, 1 errors (any Ingress error, or bad flags or input files).
`;

interface PlanFlags {
  /** absent only with --live --kubeconfig */
  readonly filename?: string;
  readonly output: 'text' | 'json';
  readonly facts?: string;
  readonly observed?: string;
  readonly config: BuildConfig;
  readonly externalManagedTags: readonly string[];
  readonly live?: LiveFlags;
}

const OPTIONS = {
  filename: { type: 'string', short: 'f' },
  'cluster-name': { type: 'string' },
  output: { type: 'string', short: 'o', default: 'text' },
  facts: { type: 'string' },
  observed: { type: 'string' },
  'ingress-class': { type: 'string', default: 'alb' },
  'default-scheme': { type: 'string', default: 'internal' },
  'default-target-type': { type: 'string', default: 'instance' },
  'default-ssl-policy': { type: 'string', default: 'ELBSecurityPolicy-2016-08' },
  'default-tags': { type: 'string', default: '' },
  'external-managed-tags': { type: 'string', default: '' },
  live: { type: 'boolean', default: false },
  'aws-region': { type: 'string' },
  'aws-vpc-id': { type: 'string' },
  'aws-api-endpoints': { type: 'string' },
  'aws-max-retries': { type: 'string' },
  kubeconfig: { type: 'string' },
} as const;

const LIVE_ONLY = ['aws-region', 'aws-vpc-id', 'aws-api-endpoints', 'aws-max-retries', 'kubeconfig'] as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function parseTags(value: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--default-tags: expected key=value, got "${pair}"`);
    const key = pair.slice(0, eq).trim();
    if (RESERVED_TAG_KEYS.includes(key)) throw new UsageError(`--default-tags: "${key}" is reserved for the controller`);
    tags[key] = pair.slice(eq + 1).trim();
  }
  return tags;
}

export function parsePlanFlags(args: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): PlanFlags {
  let parsed: Record<string, string | boolean | undefined>;
  try {
    ({ values: parsed } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const isLive = parsed.live === true;
  const values = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string | undefined>;
  const filename = values.filename;
  const clusterName = values['cluster-name'];
  let live: LiveFlags | undefined;
  if (isLive) {
    for (const f of ['facts', 'observed'] as const) {
      if (values[f] !== undefined) {
        throw new UsageError(`--${f} cannot be used with --live: with --live the ${f === 'facts' ? 'facts are discovered' : 'observed state is read'} from AWS`);
      }
    }
    live = parseLiveFlags(values, env);
    if (filename && live.kubeconfig) throw new UsageError('give either -f or --kubeconfig, not both');
    if (!filename && !live.kubeconfig) throw new UsageError('-f/--filename (a file, a directory, or - for stdin) or --kubeconfig is required');
  } else {
    const given = LIVE_ONLY.find((f) => values[f] !== undefined);
    if (given) throw new UsageError(`--${given} needs --live`);
    if (!filename) throw new UsageError('-f/--filename is required (a file, a directory, or - for stdin)');
  }
  if (!clusterName) throw new UsageError('--cluster-name is required');
  return {
    ...(filename ? { filename } : {}),
    ...(live ? { live } : {}),
    output: oneOf('output', values.output ?? 'text', ['text', 'json'] as const),
    ...(values.facts ? { facts: values.facts } : {}),
    ...(values.observed ? { observed: values.observed } : {}),
    externalManagedTags: (values['external-managed-tags'] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    config: Object.freeze({
      clusterName,
      ingressClass: values['ingress-class'] ?? 'alb',
      defaultScheme: oneOf<Scheme>('default-scheme', values['default-scheme'] ?? 'internal', ['internal', 'internet-facing']),
      defaultTargetType: oneOf<TargetType>('default-target-type', values['default-target-type'] ?? 'instance', ['instance', 'ip']),
      defaultSslPolicy: values['default-ssl-policy'] ?? 'ELBSecurityPolicy-2016-08',
      defaultTags: parseTags(values['default-tags'] ?? ''),
    }),
  };
}

/** observed stacks that no built stack covers: say why they are not planned */
function unplannedWarnings(observed: ReadonlyMap<string, ObservedStack>, planned: ReadonlySet<string>, groups: readonly GroupOutcome[]): string[] {
  const out: string[] = [];
  for (const id of [...observed.keys()].sort()) {
    if (planned.has(id)) continue;
    const g = groups.find((x) => x.id === id);
    out.push(g?.blocked
      ? `stack ${JSON.stringify(id)} is not planned: every member has errors, so its AWS resources are left alone`
      : `stack ${JSON.stringify(id)} is in the observed state but no Ingress in the input belongs to it; not planned`);
  }
  return out;
}

function renderTextOutput(plans: readonly Plan[], issues: readonly Issue[], notes: readonly Note[], warnings: readonly string[]): string {
  const parts: string[] = plans.map((p) => renderText(p, { legend: false }));
  const legend = renderLegend(plans);
  if (legend) parts.unshift(legend.slice(0, -1));
  if (plans.length === 0 && issues.length === 0) parts.push('No Ingresses for this controller in the input.\n');
  if (notes.length > 0) {
    parts.push(['Notes:', ...notes.map((n) => `  ${objectName(n.object)}: ${n.subject}: ${n.message}`)].join('\n') + '\n');
  }
  if (warnings.length > 0) parts.push(['Warnings:', ...warnings.map((w) => `  ${w}`)].join('\n') + '\n');
  if (issues.length > 0) {
    parts.push([`Errors (${issues.length}); the Ingresses named here are left out of their groups:`, ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n') + '\n');
  }
  return parts.join('\n');
}

interface PlanInputs {
  readonly snapshot: Snapshot;
  readonly built: ReturnType<typeof buildStacks>;
  readonly observed: ReadonlyMap<string, ObservedStack>;
  /** bindings read from the cluster (--live --kubeconfig), compared per stack */
  readonly bindingsOf?: (stackId: string) => ObservedStack['bindings'];
}

async function fileInputs(flags: PlanFlags, io: Io): Promise<PlanInputs> {
  const snapshot = toSnapshot(parseObjects(await readSources(flags.filename ?? '-', io)));
  const facts = flags.facts ? await loadFacts(flags.facts) : {};
  const observed = flags.observed ? await loadObserved(flags.observed) : new Map<string, ObservedStack>();
  return { snapshot, built: buildStacks(snapshot, facts, flags.config), observed };
}

async function liveInputs(flags: PlanFlags, live: LiveFlags, source: LiveSource, io: Io, deps: LiveDeps): Promise<PlanInputs> {
  let snapshot: Snapshot;
  let bindingsOf: PlanInputs['bindingsOf'];
  if (live.kubeconfig) {
    const cluster = await readCluster(deps.kubeRest ?? kubeRestFor(live.kubeconfig));
    snapshot = cluster.snapshot;
    bindingsOf = (stackId) => bindingsOfStack(cluster.bindings, stackId);
  } else {
    snapshot = toSnapshot(parseObjects(await readSources(flags.filename ?? '-', io)));
  }
  const { built } = await source.build((facts) => buildStacks(snapshot, facts, flags.config));
  const observed = await source.observe(flags.config.clusterName);
  return { snapshot, built, observed, ...(bindingsOf ? { bindingsOf } : {}) };
}

/** `deps` is for tests (fake AWS transport, environment, apiserver); the CLI passes none */
export async function planCommand(args: readonly string[], io: Io, deps: LiveDeps = {}): Promise<number> {
  const flags = parsePlanFlags(args, deps.env ?? process.env);
  const source = flags.live ? new LiveSource(flags.live, deps) : undefined;
  if (!flags.live || !source) return render(flags, await fileInputs(flags, io), io);
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
  const { built, observed } = inputs;
  const plans = [...built.stacks].sort((a, b) => a.id.localeCompare(b.id)).map((stack) => {
    const o = observed.get(stack.id);
    const bindings = inputs.bindingsOf ? inputs.bindingsOf(stack.id) : o?.bindings;
    return planStack(stack, o?.state ?? emptyObservedState(), {
      clusterName: flags.config.clusterName,
      externalManagedTags: flags.externalManagedTags,
      ...(bindings ? { observedBindings: bindings } : {}),
    });
  });
  const warnings = unplannedWarnings(observed, new Set(plans.map((p) => p.stackId)), built.groups);
  io.stdout(flags.output === 'json'
    ? renderJson(plans, { issues: built.issues, notes: built.notes, warnings })
    : renderTextOutput(plans, built.issues, built.notes, warnings));
  if (built.issues.length > 0) return EXIT_ERROR;
  return plans.some(hasChanges) ? EXIT_CHANGES : EXIT_OK;
}
