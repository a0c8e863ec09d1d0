// The incremental index of Ingresses: after any sequence of sets and deletes it answers as a full scan of the
// current relations would, and each change reports the groups it touched (before and after).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IngressIndex, type IngressRelations } from '../../../src/controllers/ingress-index.ts';

describe('controllers: IngressIndex', () => {
  it('reports the groups an Ingress was and now is relevant to', () => {
    const idx = new IngressIndex();
    assert.deepEqual(idx.set('ns/a', { groups: ['g1'], services: ['ns/web'] }), ['g1']);
    assert.deepEqual(idx.set('ns/a', { groups: ['g2'], services: [] }), ['g1', 'g2']);
    assert.equal(idx.hasGroup('g1'), false);
    assert.deepEqual(idx.ingressesOfService('ns/web'), []);
    assert.deepEqual(idx.delete('ns/a'), ['g2']);
    assert.deepEqual(idx.delete('ns/a'), []);
    assert.equal(idx.size, 0);
    assert.deepEqual(idx.groupKeys(), []);
  });

  it('property: equals a scan of the current relations after any sequence of changes', () => {
    const key = fc.constantFrom('ns/a', 'ns/b', 'ns/c', 'other/a');
    const rel: fc.Arbitrary<IngressRelations> = fc.record({
      groups: fc.uniqueArray(fc.constantFrom('g1', 'g2', 'ns/a', 'ns/b'), { maxLength: 3 }),
      services: fc.uniqueArray(fc.constantFrom('ns/web', 'ns/api', 'other/web'), { maxLength: 3 }),
    });
    const op = fc.oneof(fc.tuple(fc.constant('set' as const), key, rel), fc.tuple(fc.constant('delete' as const), key, fc.constant(undefined)));
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const idx = new IngressIndex();
      const model = new Map<string, IngressRelations>();
      for (const [kind, k, r] of ops) {
        const before = model.get(k)?.groups ?? [];
        let touched: string[];
        if (kind === 'set') { touched = idx.set(k, r as IngressRelations); model.set(k, r as IngressRelations); } else { touched = idx.delete(k); model.delete(k); }
        const after = model.get(k)?.groups ?? [];
        assert.deepEqual(touched, [...new Set([...before, ...after])].sort());
      }
      const scan = (pick: (r: IngressRelations) => readonly string[], v: string): string[] => [...model].filter(([, r]) => pick(r).includes(v)).map(([k]) => k).sort();
      for (const g of ['g1', 'g2', 'ns/a', 'ns/b']) {
        assert.deepEqual(idx.ingressesOf(g), scan((r) => r.groups, g));
        assert.equal(idx.hasGroup(g), scan((r) => r.groups, g).length > 0);
      }
      for (const s of ['ns/web', 'ns/api', 'other/web']) assert.deepEqual(idx.ingressesOfService(s), scan((r) => r.services, s));
      assert.deepEqual(idx.groupKeys(), [...new Set([...model.values()].flatMap((r) => r.groups))].sort());
      assert.equal(idx.size, model.size);
    }), { numRuns: 300 });
  });
});
