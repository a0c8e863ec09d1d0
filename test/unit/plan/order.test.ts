import assert from 'node:assert/strict';
import fc from 'fast-check';
import { orderNodes, type OrderNode } from '../../../src/plan/order.ts';
import type { Change } from '../../../src/plan/types.ts';

/**
 * The ordering as it was written first: a full scan of every node per pick (O(n²) picks, plus a scan for a
 * cycle on each). The heap-based `orderNodes` must give exactly its output.
 */
function referenceOrder(nodes: readonly OrderNode[], direction: 'forward' | 'reverse'): Change[] {
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
  const stuck = (done: ReadonlySet<number>): boolean => {
    for (let i = 0; i < nodes.length; i++) if (!done.has(i) && (indegree[i] ?? 0) <= 0) return false;
    return true;
  };
  const out: Change[] = [];
  const done = new Set<number>();
  while (done.size < nodes.length) {
    let next = -1;
    for (let i = 0; i < nodes.length; i++) {
      if (done.has(i)) continue;
      if ((indegree[i] ?? 0) > 0 && !stuck(done)) continue;
      if (next === -1 || before(i, next)) next = i;
    }
    done.add(next);
    out.push((nodes[next] as OrderNode).change);
    for (const s of successors[next] ?? []) indegree[s] = (indegree[s] ?? 0) - 1;
  }
  return out;
}

const change = (id: string): Change => ({ action: 'create', kind: 'ListenerRule', id, reason: 'test' });

/** random graphs over a small key space: shared keys, duplicate needs, self references and cycles all occur */
const graph = fc.integer({ min: 0, max: 40 }).chain((n) => fc.array(fc.record({
  rank: fc.integer({ min: 0, max: 5 }),
  provides: fc.array(fc.integer({ min: 0, max: 30 }).map((k) => `k${k}`), { maxLength: 3 }),
  needs: fc.array(fc.integer({ min: 0, max: 30 }).map((k) => `k${k}`), { maxLength: 4 }),
}), { minLength: n, maxLength: n }).map((xs) => xs.map((x, i): OrderNode => ({ ...x, change: change(`n${i}`) }))));

/** acyclic graphs: node i may need only keys provided by nodes before it (in a shuffled input order) */
const dag = fc.integer({ min: 0, max: 60 }).chain((n) => fc.tuple(
  fc.array(fc.record({ rank: fc.integer({ min: 0, max: 5 }), needs: fc.array(fc.nat(), { maxLength: 3 }) }), { minLength: n, maxLength: n }),
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
)).map(([xs, perm]) => perm.map((i): OrderNode => {
  const x = xs[i] as { rank: number; needs: number[] };
  return { change: change(`n${i}`), rank: x.rank, provides: [`k${i}`], needs: i === 0 ? [] : x.needs.map((k) => `k${k % i}`) };
}));

const ids = (cs: readonly Change[]): string[] => cs.map((c) => c.id);

describe('orderNodes', () => {
  for (const direction of ['forward', 'reverse'] as const) {
    it(`gives the reference order on random DAGs (${direction})`, () => {
      fc.assert(fc.property(dag, (nodes) => {
        assert.deepEqual(ids(orderNodes(nodes, direction)), ids(referenceOrder(nodes, direction)));
      }), { numRuns: 2_000 });
    });

    it(`gives the reference order on random graphs with cycles and shared keys (${direction})`, () => {
      fc.assert(fc.property(graph, (nodes) => {
        assert.deepEqual(ids(orderNodes(nodes, direction)), ids(referenceOrder(nodes, direction)));
      }), { numRuns: 2_000 });
    });
  }

  it('places providers before the nodes that need them (forward) and after them (reverse)', () => {
    const nodes: OrderNode[] = [
      { change: change('rule'), rank: 4, provides: ['rule'], needs: ['listener'] },
      { change: change('listener'), rank: 3, provides: ['listener'], needs: ['lb'] },
      { change: change('lb'), rank: 2, provides: ['lb'], needs: [] },
      { change: change('tg'), rank: 1, provides: ['tg'], needs: [] },
    ];
    assert.deepEqual(ids(orderNodes(nodes, 'forward')), ['tg', 'lb', 'listener', 'rule']);
    assert.deepEqual(ids(orderNodes(nodes, 'reverse')), ['rule', 'listener', 'lb', 'tg']);
  });

  it('orders 100,000 chained nodes without a rescan per pick', () => {
    // a chain given backwards is the worst case for a scan; the heap takes it in O(n log n)
    const n = 100_000;
    const nodes: OrderNode[] = [...Array(n).keys()].map((i) => ({ change: change(`c${n - 1 - i}`), rank: 0, provides: [`c${n - 1 - i}`], needs: i === n - 1 ? [] : [`c${n - 2 - i}`] }));
    const out = ids(orderNodes(nodes, 'forward'));
    assert.equal(out[0], 'c0');
    assert.equal(out[n - 1], `c${n - 1}`);
  });
});
