import assert from 'node:assert/strict';
import { parseIngressAnnotations } from '../../../../src/ingress/annotations/index.ts';
import { P, ingress } from './helpers.ts';

describe('ingress annotations: upstream features not supported yet', () => {
  for (const [key, value] of [['auth-type', 'oidc'], ['wafv2-acl-arn', 'arn:aws:wafv2:us-east-1:1:regional/webacl/x/y'],
    ['jwt-validation', '{}'], ['transforms.api', '[]'], ['listener-attributes.HTTPS-443', 'a=b'], ['shield-advanced-protection', 'true']] as const) {
    it(`rejects ${key}=${value} on the Ingress that sets it`, () => {
      const { issues } = parseIngressAnnotations(ingress({ [key]: value }));
      assert.equal(issues.length, 1);
      assert.deepEqual({ ...issues[0], reason: undefined },
        { object: { kind: 'Ingress', namespace: 'shop', name: 'web' }, field: P + key, code: 'UnsupportedAnnotation', reason: undefined });
      assert.match(issues[0]?.reason ?? '', /is not supported by this controller yet/);
    });
  }

  for (const [key, value] of [['auth-type', 'none'], ['shield-advanced-protection', 'false'], ['use-regex-path-match', 'False']] as const) {
    it(`accepts ${key}=${value}, which asks for nothing`, () => {
      assert.deepEqual(parseIngressAnnotations(ingress({ [key]: value })).issues, []);
    });
  }
});
