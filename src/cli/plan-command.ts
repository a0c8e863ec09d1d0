// `aws-lb-controller plan`: manifests (+ optional facts and observed state) → the plans the controller would
// apply, per IngressGroup, with every Ingress error and decision. Exit 0 = no changes, 2 = changes, 1 = errors.
import { parseArgs } from 'node:util';
import { buildStacks, type BuildConfig, type GroupOutcome } from '../ingress/index.ts';
import { formatIssue, objectName, type Issue, type Note } from '../model/issues.ts';
import { emptyObservedState } from '../model/observed.ts';
import { RESERVED_TAG_KEYS } from '../model/tags.ts';
import type { Scheme, TargetType } from '../model/elbv2.ts';
import { hasChanges, planStack, renderJson, renderLegend, renderText, type Plan } from '../plan/index.ts';
import { loadFacts, loadObserved, type ObservedStack } from './inputs.ts';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';
import { parseObjects, readSources, toSnapshot } from './manifests.ts';

export const PLAN_USAGE = `Usage: aws-lb-controller plan -f <file|dir|-> --cluster-name NAME [flags]

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

Without --facts, values that discovery supplies show as "(known after discovery)"; without --observed, the
plan is made against an empty account (everything is created).

Exit codes: 0 no changes, 2 changes, 1 errors (any Ingress error, or bad flags or input files).
`;

interface PlanFlags {
  readonly filename: string;
  readonly output: 'text' | 'json';
  readonly facts?: string;
  readonly observed?: string;
  readonly config: BuildConfig;
  readonly externalManagedTags: readonly string[];
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
} as const;

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

export function parsePlanFlags(args: readonly string[]): PlanFlags {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const filename = values.filename;
  const clusterName = values['cluster-name'];
  if (!filename) throw new UsageError('-f/--filename is required (a file, a directory, or - for stdin)');
  if (!clusterName) throw new UsageError('--cluster-name is required');
  return {
    filename,
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

export async function planCommand(args: readonly string[], io: Io): Promise<number> {
  const flags = parsePlanFlags(args);
  const snapshot = toSnapshot(parseObjects(await readSources(flags.filename, io)));
  const facts = flags.facts ? await loadFacts(flags.facts) : {};
  const observed = flags.observed ? await loadObserved(flags.observed) : new Map<string, ObservedStack>();
  const built = buildStacks(snapshot, facts, flags.config);
  const plans = [...built.stacks].sort((a, b) => a.id.localeCompare(b.id)).map((stack) => {
    const o = observed.get(stack.id);
    return planStack(stack, o?.state ?? emptyObservedState(), {
      clusterName: flags.config.clusterName,
      externalManagedTags: flags.externalManagedTags,
      ...(o?.bindings ? { observedBindings: o.bindings } : {}),
    });
  });
  const warnings = unplannedWarnings(observed, new Set(plans.map((p) => p.stackId)), built.groups);
  io.stdout(flags.output === 'json'
    ? renderJson(plans, { issues: built.issues, notes: built.notes, warnings })
    : renderTextOutput(plans, built.issues, built.notes, warnings));
  if (built.issues.length > 0) return EXIT_ERROR;
  return plans.some(hasChanges) ? EXIT_CHANGES : EXIT_OK;
}
