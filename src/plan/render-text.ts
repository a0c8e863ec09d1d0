// Text rendering, read like `terraform plan`. Display only: apply works from the Plan value, never from this.
import { isRef, isUnknown } from '../model/refs.ts';
import type { Change, FieldDiff, Plan, PlanSummary } from './types.ts';
import { isPlainObject, joinPath } from './values.ts';

export function summarize(plan: Plan): PlanSummary {
  const count = (a: Change['action']): number =>
    plan.changes.filter((c) => c.action === a && (a !== 'replace' || c.phase !== 'delete')).length;
  return { create: count('create'), update: count('update'), replace: count('replace'), delete: count('delete'), noop: count('noop') };
}

/** true when applying the plan would change something, or might (unknown values) */
export const hasChanges = (plan: Plan): boolean =>
  plan.changes.some((c) => c.action !== 'noop' || (c.unknownFields?.length ?? 0) > 0);

export function formatValue(v: unknown): string {
  if (v === undefined) return 'null';
  if (isRef(v)) {
    const field = v.field === 'arn' ? '' : ` ${v.field}`;
    return `(known after apply: ${v.$ref.kind} ${JSON.stringify(v.$ref.id)}${field})`;
  }
  if (isUnknown(v)) return `(known after discovery: ${v.$unknown.replace(/^discovery:/, '')})`;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (isPlainObject(v)) {
    const parts = Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${joinPath('', k)} = ${formatValue(x)}`);
    return `{${parts.join(', ')}}`;
  }
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** leaf paths of a spec: nested objects are walked, arrays and Refs/Unknowns are leaves */
function flatten(v: unknown, base: string, out: [string, unknown][] = []): [string, unknown][] {
  if (isPlainObject(v) && !isRef(v) && !isUnknown(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) if (x !== undefined) flatten(x, joinPath(base, k), out);
  } else {
    out.push([base, v]);
  }
  return out;
}

type Line = readonly [symbol: string, path: string, value: string];

function block(lines: readonly Line[]): string[] {
  const width = Math.min(48, Math.max(0, ...lines.map(([, p]) => p.length)));
  return lines.map(([sym, path, value]) => `      ${sym} ${path.padEnd(width)} = ${value}`);
}

function diffLine(d: FieldDiff): Line {
  const mark = d.forcesReplacement ? ' # forces replacement' : '';
  if (d.status === 'unknown') return ['?', d.path, `${formatValue(d.before)} -> ${formatValue(d.after)}${mark}`];
  if (!('before' in d) || d.before === undefined) return ['+', d.path, `${formatValue(d.after)}${mark}`];
  if (!('after' in d) || d.after === undefined) return ['-', d.path, `${formatValue(d.before)}${mark}`];
  return ['~', d.path, `${formatValue(d.before)} -> ${formatValue(d.after)}${mark}`];
}

const SYMBOL: Readonly<Record<Change['action'], string>> = { create: '+', update: '~', replace: '-/+', delete: '-', noop: '?' };

function headline(c: Change, replaceStep: number): string {
  const name = `${c.kind} ${JSON.stringify(c.id)}`;
  switch (c.action) {
    case 'create': return `${name} will be created: ${c.reason}`;
    case 'update': return `${name} will be updated in place: ${c.reason}`;
    case 'delete': return `${name} will be deleted: ${c.reason}`;
    case 'noop': return `${name} may change once discovery runs: ${c.reason}`;
    case 'replace':
      return c.phase === 'delete'
        ? `${name} must be replaced (step ${replaceStep} of 2: delete the old one): ${c.reason}`
        : `${name} must be replaced (step ${replaceStep} of 2: create the new one): ${c.reason}`;
  }
}

function body(c: Change): Line[] {
  const arn: Line[] = c.arn ? [[' ', 'arn', JSON.stringify(c.arn)]] : [];
  if (c.action === 'create') return flatten(c.after, '').map(([p, v]) => ['+', p, formatValue(v)]);
  if (c.action === 'delete' || (c.action === 'replace' && c.phase === 'delete')) return arn;
  return [...arn, ...(c.diffs ?? []).map(diffLine)];
}

function renderChange(c: Change, replaceStep: number): string[] {
  const sym = SYMBOL[c.action];
  return [
    `  # ${headline(c, replaceStep)}`,
    `${sym.padStart(3)} ${c.kind} ${JSON.stringify(c.id)} {`,
    ...block(body(c)),
    '    }',
  ];
}

const LEGEND: readonly (readonly [symbol: string, meaning: string, shown: (c: Change) => boolean])[] = [
  ['+', 'create', (c) => c.action === 'create'],
  ['~', 'update in place', (c) => c.action === 'update'],
  ['-/+', 'replace (the plan orders the delete and the create)', (c) => c.action === 'replace'],
  ['-', 'delete', (c) => c.action === 'delete'],
  ['?', 'may change: a value is known only after discovery', (c) => (c.unknownFields?.length ?? 0) > 0],
];

/** the symbols used by these plans, explained once */
export function renderLegend(plans: readonly Plan[]): string {
  const used = LEGEND.filter(([, , shown]) => plans.some((p) => p.changes.some(shown)));
  if (used.length === 0) return '';
  return ['Resource actions are indicated with the following symbols:', ...used.map(([sym, meaning]) => `${sym.padStart(5)} ${meaning}`), '', ''].join('\n');
}

export interface TextOptions {
  /** start with the symbol legend (default true; the CLI prints it once for all stacks) */
  readonly legend?: boolean;
}

/** one stack's plan; noops are left out unless a value known only after discovery may change them */
export function renderText(plan: Plan, options: TextOptions = {}): string {
  const out: string[] = [`${plan.family === 'service' ? 'Service stack' : 'Stack'} ${JSON.stringify(plan.stackId)}:`, ''];
  if (options.legend ?? true) out.unshift(...renderLegend([plan]).split('\n').slice(0, -1));
  const steps = new Map<string, number>();
  for (const c of plan.changes) {
    if (c.action === 'noop' && !(c.unknownFields?.length)) continue;
    const key = `${c.kind}/${c.id}`;
    const step = c.action === 'replace' ? (steps.get(key) ?? 0) + 1 : 0;
    steps.set(key, step);
    for (const line of renderChange(c, step)) out.push(line); // a change may have many lines: no push(...spread)
    out.push('');
  }
  for (const w of plan.warnings ?? []) out.push(`Warning: ${w}`, '');
  const s = summarize(plan);
  if (!hasChanges(plan)) {
    out.push('No changes.');
  } else {
    out.push(`Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete.`);
  }
  if (!plan.complete) {
    out.push('Some values are known only after discovery (give --facts, or let the controller discover them); apply will not run this plan as is.');
  }
  return `${out.join('\n')}\n`;
}
