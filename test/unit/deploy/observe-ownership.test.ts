// One ownership predicate for observe and apply: what observe reports as a stack's resource is exactly what
// apply's assertOwned lets it modify or delete (model/tags.ts isOwnedBy).
import assert from 'node:assert/strict';
import { assertOwned } from '../../../src/deploy/apply-support.ts';
import { ApplyError } from '../../../src/deploy/apply-types.ts';
import { isOwnedBy, owningStack } from '../../../src/model/tags.ts';

const cases: { name: string; tags: Record<string, string> | undefined; owned: boolean; stack?: string }[] = [
  { name: 'cluster + ingress stack', tags: { 'elbv2.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': 'ns/a' }, owned: true, stack: 'ns/a' },
  { name: 'cluster + service stack', tags: { 'elbv2.k8s.aws/cluster': 'prod', 'service.k8s.aws/stack': 'ns/svc' }, owned: true },
  { name: 'v1 cluster tag only', tags: { 'ingress.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': 'ns/a' }, owned: false },
  { name: 'both cluster tags', tags: { 'ingress.k8s.aws/cluster': 'prod', 'elbv2.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': 'ns/a' }, owned: true, stack: 'ns/a' },
  { name: 'another cluster', tags: { 'elbv2.k8s.aws/cluster': 'dev', 'ingress.k8s.aws/stack': 'ns/a' }, owned: false },
  { name: 'cluster tag, no stack tag', tags: { 'elbv2.k8s.aws/cluster': 'prod' }, owned: false },
  { name: 'cluster tag, empty stack tag', tags: { 'elbv2.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': '' }, owned: false },
  { name: 'stack tag only', tags: { 'ingress.k8s.aws/stack': 'ns/a' }, owned: false },
  { name: 'no tags', tags: {}, owned: false },
  { name: 'tags unknown', tags: undefined, owned: false },
];

describe('ownership (model/tags isOwnedBy, shared by observe and apply)', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.owned ? 'owned' : 'not owned'}, and observe and apply agree`, () => {
      assert.equal(isOwnedBy(c.tags, 'prod'), c.owned);
      assert.equal(owningStack(c.tags, 'prod'), c.stack);
      if (c.owned) assert.doesNotThrow(() => assertOwned(c.tags, 'prod', 'LoadBalancer/x', 'update it'));
      else assert.throws(() => assertOwned(c.tags, 'prod', 'LoadBalancer/x', 'update it'), (e: unknown) => e instanceof ApplyError && e.code === 'NotOwned');
      // whatever observe reports as a stack's resource, apply may change
      if (owningStack(c.tags, 'prod') !== undefined) assert.ok(isOwnedBy(c.tags, 'prod'));
    });
  }

  it('an empty cluster name owns nothing', () => {
    assert.equal(isOwnedBy({ 'elbv2.k8s.aws/cluster': '', 'ingress.k8s.aws/stack': 'ns/a' }, ''), false);
  });

  it('says why, and how to hand a v1-only resource over', () => {
    assert.throws(() => assertOwned({ 'ingress.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': 'ns/a' }, 'prod', 'TargetGroup/t', 'delete it'),
      /TargetGroup\/t: refusing to delete it: tag elbv2\.k8s\.aws\/cluster is absent.*only the v1 tag ingress\.k8s\.aws\/cluster.*add elbv2\.k8s\.aws\/cluster=prod/);
    assert.throws(() => assertOwned({ 'elbv2.k8s.aws/cluster': 'dev' }, 'prod', 'LoadBalancer/x', 'update it'), /is "dev", not "prod"/);
    assert.throws(() => assertOwned({ 'elbv2.k8s.aws/cluster': 'prod' }, 'prod', 'LoadBalancer/x', 'update it'), /no ingress\.k8s\.aws\/stack or service\.k8s\.aws\/stack tag/);
  });
});
