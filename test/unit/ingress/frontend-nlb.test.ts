import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildStacks } from '../../../src/ingress/index.ts';
import { FRONTEND_NLB_TABLE } from '../../../src/ingress/annotations/frontend-nlb.ts';
import { FRONTEND_NLB_ID, frontendNlbTargetGroupName } from '../../../src/ingress/naming.ts';
import { findResource, type Stack } from '../../../src/model/index.ts';
import { A, CONFIG, FACTS, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const svc = service('svc');
const web = (annotations: Record<string, string>, name = 'web', extra: Record<string, string> = {}) =>
  ingress(name, { annotations: { [A('enable-frontend-nlb')]: 'true', ...annotations, ...extra }, rules: [rule(undefined, path('/', 'svc'))] });
const build = (...ings: ReturnType<typeof ingress>[]) => buildStacks(snapshot({ ingresses: ings, services: [svc] }), FACTS, CONFIG);
const stackOf = (r: ReturnType<typeof build>): Stack => one(r.stacks, 'stack');

describe('ingress/frontend NLB', () => {
  it('builds an NLB, a TCP listener and an alb-type target group per ALB port, with the ALB as the target', () => {
    const r = build(web({ [A('listen-ports')]: '[{"HTTP": 80}, {"HTTP": 8080}]' }));
    assert.deepEqual(r.issues, []);
    const s = stackOf(r);
    const alb = one(findResource(s, 'LoadBalancer', 'LoadBalancer') ? [findResource(s, 'LoadBalancer', 'LoadBalancer')] : []);
    const nlb = findResource(s, 'LoadBalancer', FRONTEND_NLB_ID);
    assert.equal(nlb?.spec.type, 'network');
    assert.equal(nlb?.spec.name, `${alb?.spec.name.slice(0, 28)}-nlb`);
    assert.equal(nlb?.spec.scheme, CONFIG.defaultScheme);
    assert.deepEqual(nlb?.spec.securityGroups, alb?.spec.securityGroups, 'the ALB\'s groups by default');
    assert.equal(nlb?.spec.tags['ingress.k8s.aws/resource'], FRONTEND_NLB_ID);
    const listeners = byKind(s, 'Listener').filter((l) => l.id.startsWith('FrontendNlb-'));
    assert.deepEqual(listeners.map((l) => [l.id, l.spec.protocol, l.spec.port]), [['FrontendNlb-ls-TCP-80', 'TCP', 80], ['FrontendNlb-ls-TCP-8080', 'TCP', 8080]]);
    const tg = findResource(s, 'TargetGroup', 'FrontendNlb-tg-TCP-8080');
    assert.equal(tg?.spec.targetType, 'alb');
    assert.equal(tg?.spec.protocol, 'TCP');
    assert.deepEqual(tg?.spec.albTarget, { loadBalancer: { $ref: { kind: 'LoadBalancer', id: 'LoadBalancer' }, field: 'arn' }, port: 8080, listener: { $ref: { kind: 'Listener', id: '8080' }, field: 'arn' } });
    assert.deepEqual(tg?.spec.healthCheck, {
      enabled: true, port: 'traffic-port', protocol: 'HTTP', path: '/', intervalSeconds: 15, timeoutSeconds: 5,
      healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200' },
    });
    assert.equal(tg?.spec.name, frontendNlbTargetGroupName('demo', { explicit: false, namespace: 'default', name: 'web' }, 8080, { port: 'traffic-port', protocol: 'HTTP' }));
  });

  it('maps NLB ports to ALB ports, skipping (with a note) a mapping to a port the ALB does not listen on', () => {
    const r = build(web({ [A('frontend-nlb-listener-port-mapping')]: '443=80,9000=81' }));
    assert.deepEqual(r.issues, []);
    const s = stackOf(r);
    assert.deepEqual(byKind(s, 'Listener').filter((l) => l.id.startsWith('FrontendNlb-')).map((l) => l.spec.port), [443]);
    assert.equal(findResource(s, 'TargetGroup', 'FrontendNlb-tg-TCP-443')?.spec.albTarget?.port, 80);
    assert.ok(r.notes.some((n) => /9000.*81/.test(n.message)));
  });

  it('no NLB when not enabled, or enabled "false"', () => {
    for (const a of [{}, { [A('enable-frontend-nlb')]: 'false' }]) {
      const s = stackOf(build(ingress('web', { annotations: a, rules: [rule(undefined, path('/', 'svc'))] })));
      assert.equal(findResource(s, 'LoadBalancer', FRONTEND_NLB_ID), undefined);
    }
  });

  it('refuses Elastic IPs on an internal NLB and a count that does not match the subnets', () => {
    const internal = build(web({ [A('frontend-nlb-eip-allocations')]: 'eipalloc-1' }));
    assert.equal(internal.stacks.length, 0);
    assert.match(one(internal.issues).reason, /internet-facing/);
    const count = build(web({ [A('frontend-nlb-scheme')]: 'internet-facing', [A('frontend-nlb-eip-allocations')]: 'eipalloc-1,eipalloc-2,eipalloc-3,eipalloc-4,eipalloc-5' }));
    assert.match(one(count.issues).reason, /one per subnet/);
  });

  it('in a group, the senior member keeps the frontend NLB settings; a differing newcomer is left out', () => {
    const g = { [A('group.name')]: 'shop' };
    const a = { ...web({ [A('frontend-nlb-scheme')]: 'internal' }, 'a', g), metadata: { ...web({}, 'a').metadata, annotations: { ...g, [A('enable-frontend-nlb')]: 'true', [A('frontend-nlb-scheme')]: 'internal' }, creationTimestamp: new Date('2024-01-01T00:00:00Z') } };
    const b = { ...web({}, 'b', g), metadata: { ...web({}, 'b').metadata, annotations: { ...g, [A('enable-frontend-nlb')]: 'true', [A('frontend-nlb-scheme')]: 'internet-facing' }, creationTimestamp: new Date('2025-01-01T00:00:00Z') } };
    const r = build(b, a);
    const s = stackOf(r);
    assert.deepEqual(s.members, ['default/a']);
    assert.equal(findResource(s, 'LoadBalancer', FRONTEND_NLB_ID)?.spec.scheme, 'internal');
    assert.ok(r.issues.some((i) => i.object.name === 'b' && i.code === 'ConflictingValue'));
  });
});

// every user-settable frontend-nlb value: values AWS would take are accepted and reach the model; others are an Issue
describe('ingress/frontend NLB: property', () => {
  const built = (a: Record<string, string>) => build(web(a));
  const accepted = (r: ReturnType<typeof build>): boolean => r.issues.length === 0 && r.stacks.length === 1;

  const intKey = (suffix: string, min: number, max: number, field: 'intervalSeconds' | 'timeoutSeconds' | 'healthyThresholdCount' | 'unhealthyThresholdCount') =>
    it(`${suffix}: accepted in [${min}, ${max}] (AWS's limits) and reaches the health check; refused outside, naming the limit`, () => {
      fc.assert(fc.property(fc.integer({ min: -50, max: 400 }), (n) => {
        const r = built({ [A(suffix)]: String(n) });
        if (n >= min && n <= max) {
          assert.ok(accepted(r), JSON.stringify(r.issues));
          assert.equal(findResource(stackOf(r), 'TargetGroup', 'FrontendNlb-tg-TCP-80')?.spec.healthCheck[field], n);
        } else {
          assert.equal(r.stacks.length, 0);
          assert.match(one(r.issues).reason, new RegExp(`\\[${min}, ${max}\\]`));
        }
      }), { numRuns: 60 });
    });
  intKey('frontend-nlb-healthcheck-interval-seconds', 5, 300, 'intervalSeconds');
  intKey('frontend-nlb-healthcheck-timeout-seconds', 2, 120, 'timeoutSeconds');
  intKey('frontend-nlb-healthcheck-healthy-threshold-count', 2, 10, 'healthyThresholdCount');
  intKey('frontend-nlb-healthcheck-unhealthy-threshold-count', 2, 10, 'unhealthyThresholdCount');

  it('frontend-nlb-healthcheck-port: traffic-port or [1, 65535]', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -5, max: 70000 }).map(String), fc.constant('traffic-port'), fc.string({ maxLength: 6 })), (v) => {
      const r = built({ [A('frontend-nlb-healthcheck-port')]: v });
      const good = v === 'traffic-port' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535);
      assert.equal(accepted(r), good, v);
      if (good) assert.equal(findResource(stackOf(r), 'TargetGroup', 'FrontendNlb-tg-TCP-80')?.spec.healthCheck.port, v === 'traffic-port' ? v : String(Number(v)));
    }), { numRuns: 60 });
  });

  it('frontend-nlb-healthcheck-protocol: HTTP or HTTPS only (AWS: an alb target group checks over HTTP(S))', () => {
    fc.assert(fc.property(fc.constantFrom('HTTP', 'HTTPS', 'TCP', 'http', ''), (v) => {
      assert.equal(accepted(built({ [A('frontend-nlb-healthcheck-protocol')]: v })), v === 'HTTP' || v === 'HTTPS');
    }));
  });

  it('frontend-nlb-healthcheck-path: "/" then no spaces, at most 1024 characters', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 20 }).map((s) => `/${s}`), fc.string({ maxLength: 10 }), fc.constant(`/${'a'.repeat(1100)}`)), (v) => {
      const good = /^\/\S*$/.test(v) && v.length <= 1024;
      assert.equal(accepted(built({ [A('frontend-nlb-healthcheck-path')]: v })), good, v);
    }), { numRuns: 60 });
  });

  it('frontend-nlb-healthcheck-success-codes: HTTP codes in [200, 599]', () => {
    fc.assert(fc.property(fc.integer({ min: 100, max: 700 }), fc.integer({ min: 0, max: 100 }), (lo, span) => {
      const v = `${lo}-${lo + span}`;
      const good = lo >= 200 && lo + span <= 599 && lo + span <= 999;
      assert.equal(accepted(built({ [A('frontend-nlb-healthcheck-success-codes')]: v })), good, v);
    }), { numRuns: 60 });
  });

  it('frontend-nlb-listener-port-mapping: ports in [1, 65535] on both sides', () => {
    fc.assert(fc.property(fc.integer({ min: -1, max: 70000 }), fc.integer({ min: 0, max: 70000 }), (nlb, alb) => {
      const r = built({ [A('frontend-nlb-listener-port-mapping')]: `${nlb}=${alb}` });
      const good = nlb >= 1 && nlb <= 65535 && alb >= 1 && alb <= 65535;
      if (!good) assert.equal(r.stacks.length, 0);
      // a mapping to a port the ALB does not listen on leaves no listener: refused as such
      else assert.equal(accepted(r), alb === 80);
    }), { numRuns: 60 });
  });

  it('frontend-nlb-scheme, -subnets, -security-groups, -eip-allocations, -attributes, -tags', () => {
    fc.assert(fc.property(fc.constantFrom('internal', 'internet-facing', 'public', ''), (v) => {
      const r = built({ [A('frontend-nlb-scheme')]: v });
      assert.equal(accepted(r), v === 'internal' || v === 'internet-facing');
      if (accepted(r)) assert.equal(findResource(stackOf(r), 'LoadBalancer', FRONTEND_NLB_ID)?.spec.scheme, v);
    }));
    fc.assert(fc.property(fc.constantFrom('eipalloc-0abc', 'eip-1', 'eipalloc-'), (v) => {
      const r = built({ [A('frontend-nlb-scheme')]: 'internet-facing', [A('frontend-nlb-eip-allocations')]: v, [A('frontend-nlb-subnets')]: 'subnet-pub-a' });
      assert.equal(r.issues.some((i) => i.field === A('frontend-nlb-eip-allocations') && /expected an ID/.test(i.reason)), v !== 'eipalloc-0abc');
    }));
    fc.assert(fc.property(fc.constantFrom('availability_zone_affinity', 'partial_availability_zone_affinity', 'any_availability_zone', 'nearest'), (v) => {
      const r = built({ [A('frontend-nlb-attributes')]: `dns_record.client_routing_policy=${v}` });
      assert.equal(accepted(r), v !== 'nearest');
      if (accepted(r)) assert.equal(findResource(stackOf(r), 'LoadBalancer', FRONTEND_NLB_ID)?.spec.attributes['dns_record.client_routing_policy'], v);
    }));
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 140 }).filter((k) => !k.includes(',') && !k.includes('=')), (k) => {
      const r = built({ [A('frontend-nlb-tags')]: `${k}=v` });
      if (accepted(r)) assert.equal(findResource(stackOf(r), 'LoadBalancer', FRONTEND_NLB_ID)?.spec.tags[k.trim()], 'v');
    }), { numRuns: 40 });
    fc.assert(fc.property(fc.constantFrom('sg-0123', 'sg-0456,sg-0789'), (v) => {
      const r = built({ [A('frontend-nlb-security-groups')]: v });
      assert.ok(accepted(r), JSON.stringify(r.issues));
      assert.deepEqual(findResource(stackOf(r), 'LoadBalancer', FRONTEND_NLB_ID)?.spec.securityGroups, v.split(',').sort());
    }));
    fc.assert(fc.property(fc.constantFrom('subnet-priv-a', 'subnet-nope'), (v) => {
      assert.equal(accepted(built({ [A('frontend-nlb-subnets')]: v })), v !== 'subnet-nope');
    }));
    fc.assert(fc.property(fc.constantFrom('true', 'false', 'True', '1', 'yes'), (v) => {
      assert.equal(accepted(built({ [A('enable-frontend-nlb')]: v })), v !== 'yes');
    }));
  });

  it('the table covers every frontend-nlb key of the registry', () => {
    assert.equal(Object.keys(FRONTEND_NLB_TABLE).length, 16);
  });
});
