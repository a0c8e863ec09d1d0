// Ordering derived from references: a node that needs what another provides comes after it (creates and
// updates), or before it (deletes: dependents go first). Kind ranks only break ties, so that the order reads
// like upstream's (security group, target groups, load balancer, listeners, rules, bindings).
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
 */
export function orderNodes(nodes: readonly OrderNode[], direction: 'forward' | 'reverse'): Change[] {
  const providers = new Map<string, number[]>();
  nodes.forEach((n, i) => n.provides.forEach((k) => providers.set(k, [...(providers.get(k) ?? []), i])));
  const successors: number[][] = nodes.map(() => []);
  const indegree = nodes.map(() => 0);
  const edge = (from: number, to: number): void => {
    if (from === to || successors[from]?.includes(to)) return;
    successors[from]?.push(to);
    indegree[to] = (indegree[to] ?? 0) + 1;
  };
  nodes.forEach((n, i) => {
    for (const k of new Set(n.needs)) {
      for (const p of providers.get(k) ?? []) {
        if (direction === 'forward') edge(p, i);
        else edge(i, p);
      }
    }
  });
  const sign = direction === 'forward' ? 1 : -1;
  const before = (a: number, b: number): boolean => {
    const ra = (nodes[a]?.rank ?? 0) * sign;
    const rb = (nodes[b]?.rank ?? 0) * sign;
    return ra !== rb ? ra < rb : a < b;
  };
  const out: Change[] = [];
  const done = new Set<number>();
  while (done.size < nodes.length) {
    let next = -1;
    for (let i = 0; i < nodes.length; i++) {
      if (done.has(i)) continue;
      // a cycle cannot arise from a stack's Refs; if one did, fall back to rank order rather than loop forever
      if ((indegree[i] ?? 0) > 0 && !stuck(nodes.length, done, indegree)) continue;
      if (next === -1 || before(i, next)) next = i;
    }
    done.add(next);
    out.push((nodes[next] as OrderNode).change);
    for (const s of successors[next] ?? []) indegree[s] = (indegree[s] ?? 0) - 1;
  }
  return out;
}

function stuck(n: number, done: ReadonlySet<number>, indegree: readonly number[]): boolean {
  for (let i = 0; i < n; i++) if (!done.has(i) && (indegree[i] ?? 0) <= 0) return false;
  return true;
}

/** every string anywhere in a value (the ARNs an observed spec refers to) */
export function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => stringsIn(x, out));
  return out;
}
