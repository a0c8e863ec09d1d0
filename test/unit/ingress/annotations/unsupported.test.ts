import assert from 'node:assert/strict';
import { parseBackendAnnotations, parseIngressAnnotations } from '../../../../src/ingress/annotations/index.ts';
import { ANNOTATION_KEYS, ANNOTATION_PREFIX, type UpstreamKey } from '../../../../src/model/upstream-keys.ts';
import { P, ingress, service } from './helpers.ts';

/** a concrete key for a registry key (`actions.<name>` → `actions.x`) */
const concrete = (k: UpstreamKey): string => k.key.replace(/<[^>]*>/g, 'x').slice(ANNOTATION_PREFIX.length);
/** a value that asks for something: not one of the harmless ones */
const asking = (k: UpstreamKey): string => (k.harmless?.includes('false') ? 'true' : 'cognito');

const refusedAlb = ANNOTATION_KEYS.filter((k) => k.status === 'refused' && k.key.startsWith(ANNOTATION_PREFIX));

describe('ingress annotations: upstream keys refused (from the registry)', () => {
  it('refuses every refused upstream annotation on the Ingress that sets it, with the registry\'s reason', () => {
    assert.ok(refusedAlb.length >= 2, `${refusedAlb.length} refused annotations`);
    for (const k of refusedAlb) {
      const { issues } = parseIngressAnnotations(ingress({ [concrete(k)]: asking(k) }));
      assert.deepEqual(issues, [{
        object: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: P + concrete(k), code: 'UnsupportedAnnotation',
        reason: `${k.why}; remove it, or keep this Ingress on the upstream controller`,
      }], k.key);
    }
  });

  // the words people read, pinned for a few keys
  const messages: readonly [key: string, value: string, reason: string][] = [
    ['waf-acl-id', 'acl-1', 'AWS retired WAF Classic on 30 September 2025; use wafv2-acl-arn or wafv2-acl-name (ADR 16); remove it, or keep this Ingress on the upstream controller'],
    ['web-acl-id', 'none', 'AWS retired WAF Classic on 30 September 2025; use wafv2-acl-arn or wafv2-acl-name (ADR 16); remove it, or keep this Ingress on the upstream controller'],
  ];
  for (const [key, value, reason] of messages) {
    it(`says why ${key} is refused`, () => {
      assert.deepEqual(parseIngressAnnotations(ingress({ [key]: value })).issues.map((i) => i.reason), [reason]);
    });
  }

  for (const [key, value] of [['waf-acl-id', ''], ['web-acl-id', ''], ['create-acm-cert', '0'],
    ['enable-frontend-nlb', 'f'], ['multi-cluster-target-group', 'FALSE'], ['manage-backend-security-group-rules', 'false'], ['dry-run-plan', '{"stack":1}']] as const) {
    it(`accepts ${key}=${value}, which asks for nothing this controller lacks`, () => {
      assert.deepEqual(parseIngressAnnotations(ingress({ [key]: value })).issues, []);
    });
  }

});

describe('backend Service annotations: upstream keys refused on the Service', () => {
  const serviceKeys = refusedAlb.filter((k) => k.source === 'Service, Ingress');

  it('refuses none of the keys upstream reads from a backend Service (target-control-port.* is implemented, ADR 23)', () => {
    assert.deepEqual(serviceKeys.map(concrete), []);
    assert.deepEqual(parseBackendAnnotations(ingress({}), service({ 'target-control-port.api.80': '3000' })).issues, []);
  });

  it('leaves alone keys upstream never reads from a Service, and harmless values', () => {
    const svc = service({ 'wafv2-acl-arn': 'arn:aws:wafv2:us-east-1:1:regional/webacl/x/y', 'jwt-validation': '{}', 'auth-type': 'none', 'multi-cluster-target-group': 'false' });
    assert.deepEqual(parseBackendAnnotations(ingress({}), svc).issues, []);
  });
});
