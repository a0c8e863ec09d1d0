// The plan command's JSON inputs (docs/plan-format.md): discovered facts (a DiscoveredFacts object) and
// observed AWS state, `{ "stacks": { "<stackId>": ObservedState & { targetGroupBindings?: ObservedBinding[] } } }`,
// with Service (NLB) stacks under `serviceStacks` in the same shape.
// Checked only as far as the planner relies on them, with the path of what is wrong.
import { readFile } from 'node:fs/promises';
import type { DiscoveredFacts } from '../model/discovery.ts';
import type { ObservedState } from '../model/observed.ts';
import type { ObservedBinding } from '../plan/index.ts';
import { UsageError } from './io.ts';

export interface ObservedStack {
  readonly state: ObservedState;
  /** absent when the file has no `targetGroupBindings` for the stack */
  readonly bindings?: readonly ObservedBinding[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${what} file ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${what} file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function loadFacts(path: string): Promise<DiscoveredFacts> {
  const v = await readJson(path, 'facts');
  if (!isObject(v)) throw new UsageError(`facts file ${path}: expected a JSON object (DiscoveredFacts)`);
  for (const key of ['vpcCidrs', 'subnets', 'securityGroups', 'certificates']) {
    if (v[key] !== undefined && !Array.isArray(v[key])) throw new UsageError(`facts file ${path}: ${key} must be an array`);
  }
  for (const key of ['vpcId', 'backendSecurityGroupId']) {
    if (v[key] !== undefined && typeof v[key] !== 'string') throw new UsageError(`facts file ${path}: ${key} must be a string`);
  }
  return v as DiscoveredFacts;
}

const LISTS = ['loadBalancers', 'listeners', 'rules', 'targetGroups', 'securityGroups'] as const;

function observedResource(v: unknown, where: string, list: string): Json {
  if (!isObject(v) || typeof v.arn !== 'string' || !isObject(v.spec)) {
    throw new UsageError(`${where}: every entry needs a string "arn" and an object "spec"`);
  }
  const extra: Json = {};
  if (list === 'securityGroups' && v.groupId === undefined) extra.groupId = v.arn;
  if ((list === 'loadBalancers' || list === 'targetGroups') && v.attributes === undefined) extra.attributes = v.spec.attributes ?? {};
  if (list === 'listeners' && v.loadBalancerArn === undefined) extra.loadBalancerArn = v.spec.loadBalancer;
  if (list === 'rules' && v.listenerArn === undefined) extra.listenerArn = v.spec.listener;
  return { ...v, tags: v.tags ?? v.spec.tags ?? {}, ...extra };
}

function observedStack(v: unknown, where: string): ObservedStack {
  if (!isObject(v)) throw new UsageError(`${where}: expected an object with ${LISTS.join(', ')}`);
  const state: Json = {};
  for (const list of LISTS) {
    const items = v[list] ?? [];
    if (!Array.isArray(items)) throw new UsageError(`${where}.${list}: expected an array`);
    state[list] = items.map((x, i) => observedResource(x, `${where}.${list}[${i}]`, list));
  }
  const tgbs = v.targetGroupBindings;
  if (tgbs === undefined) return { state: state as unknown as ObservedState };
  if (!Array.isArray(tgbs)) throw new UsageError(`${where}.targetGroupBindings: expected an array`);
  tgbs.forEach((b, i) => {
    if (!isObject(b) || typeof b.namespace !== 'string' || typeof b.name !== 'string' || !isObject(b.spec)) {
      throw new UsageError(`${where}.targetGroupBindings[${i}]: needs string "namespace" and "name" and an object "spec"`);
    }
  });
  return { state: state as unknown as ObservedState, bindings: tgbs as ObservedBinding[] };
}

/** observed stacks by family: IngressGroups under `stacks`, Services (NLBs) under `serviceStacks` (their IDs may be equal) */
export interface ObservedStacks {
  readonly ingress: ReadonlyMap<string, ObservedStack>;
  readonly service: ReadonlyMap<string, ObservedStack>;
}

export const noObservedStacks = (): ObservedStacks => ({ ingress: new Map(), service: new Map() });

export async function loadObserved(path: string): Promise<ObservedStacks> {
  const v = await readJson(path, 'observed');
  if (!isObject(v) || (!isObject(v.stacks) && !isObject(v.serviceStacks))) {
    throw new UsageError(`observed file ${path}: expected {"stacks": {"<stackId>": {...}}} and/or {"serviceStacks": {"<namespace>/<name>": {...}}}`);
  }
  const read = (key: 'stacks' | 'serviceStacks'): Map<string, ObservedStack> => {
    const out = new Map<string, ObservedStack>();
    const all = v[key];
    if (all === undefined) return out;
    if (!isObject(all)) throw new UsageError(`observed file ${path}: ${key} must be an object`);
    for (const [id, s] of Object.entries(all)) out.set(id, observedStack(s, `observed file ${path}: ${key}[${JSON.stringify(id)}]`));
    return out;
  };
  return { ingress: read('stacks'), service: read('serviceStacks') };
}
