// Ordering derived from references: a node that needs what another provides comes after it (creates and
// updates), or before it (deletes: dependents go first). Kind ranks only break ties, so that the order reads
// like upstream's (security group, target groups, load balancer, listeners, rules, bindings).
import { runSteps, type Steps } from '../model/steps.ts';
import { Heap } from './heap.ts';
import type { Change } from './types.ts';

export interface OrderNode {
  readonly change: Change;
  readonly rank: number;
  /** keys this node makes available (resource keys, ARNs) */
  readonly provides: readonly string[];
  /** keys this node refers to */
  readonly needs: readonly string[];
}

/**
 * 'forward': providers first (creates follow dependencies). 'reverse': a node referring to another goes before
 * it (deletes in reverse dependency order); ties go to higher ranks first.
 *
 * Kahn's algorithm with a heap of ready nodes keyed by (rank, input position): each pick is the smallest ready
 * node, as a scan would find it, in O(log n). O((n + e) log n) for n nodes and e distinct edges.
 */
export const orderNodes = (nodes: readonly OrderNode[], direction: 'forward' | 'reverse'): Change[] => runSteps(orderNodesSteps(nodes, direction));

/** `orderNodes` as steps (src/model/steps.ts): one per 256 nodes indexed, linked or picked */
export function* orderNodesSteps(nodes: readonly OrderNode[], direction: 'forward' | 'reverse'): Steps<Change[]> {
  const providers = new Map<string, number[]>();
  for (const [i, n] of nodes.entries()) {
    if (i % 256 === 255) yield;
    for (const k of n.provides) {
      const list = providers.get(k);
      if (list) list.push(i);
      else providers.set(k, [i]);
    }
  }
  const successors: Set<number>[] = nodes.map(() => new Set());
  const indegree = nodes.map(() => 0);
  const edge = (from: number, to: number): void => {
    const out = successors[from] as Set<number>;
    if (from === to || out.has(to)) return;
    out.add(to);
    indegree[to] = (indegree[to] as number) + 1;
  };
  for (const [i, n] of nodes.entries()) {
    if (i % 256 === 255) yield;
    for (const k of new Set(n.needs)) {
      for (const p of providers.get(k) ?? []) {
        if (direction === 'forward') edge(p, i);
        else edge(i, p);
      }
    }
  }
  const sign = direction === 'forward' ? 1 : -1;
  const before = (a: number, b: number): boolean => {
    const ra = (nodes[a] as OrderNode).rank * sign;
    const rb = (nodes[b] as OrderNode).rank * sign;
    return ra !== rb ? ra < rb : a < b;
  };
  const ready = new Heap(before);
  nodes.forEach((_, i) => { if (indegree[i] === 0) ready.push(i); });
  // a cycle cannot arise from a stack's Refs; if one did, the smallest node not yet placed goes next (rank
  // order) rather than looping forever. Built only then.
  let remaining: Heap | undefined;
  const out: Change[] = [];
  const done = new Uint8Array(nodes.length);
  while (out.length < nodes.length) {
    if (out.length % 256 === 255) yield;
    let next = ready.pop();
    if (next === undefined) {
      remaining ??= new Heap(before, nodes.map((_, i) => i));
      do next = remaining.pop(); while (next !== undefined && done[next] === 1);
    }
    const picked = next as number;
    done[picked] = 1;
    out.push((nodes[picked] as OrderNode).change);
    for (const s of successors[picked] as Set<number>) {
      indegree[s] = (indegree[s] as number) - 1;
      if (indegree[s] === 0 && done[s] === 0) ready.push(s);
    }
  }
  return out;
}

/** every string anywhere in a value (the ARNs an observed spec refers to) */
export function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => stringsIn(x, out));
  return out;
}
