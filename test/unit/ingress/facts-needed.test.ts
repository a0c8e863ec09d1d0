import assert from 'node:assert/strict';
import { buildStacks, optionalFactsNeeded } from '../../../src/ingress/index.ts';
import { A, CONFIG, FACTS, albClass, ingress, path, rule, service, snapshot } from './fixtures.ts';

// The controller fetches certificates and security-group names only when a build asks for them, and the shared
// backend security group only when a load balancer uses it and its ID is not known yet.
describe('optional facts a build needs', () => {
  const { certificates: _c, securityGroups: _s, ...baseFacts } = FACTS;
  const build = (annotations: Record<string, string>, tls?: { hosts: string[] }[], facts = baseFacts) => buildStacks(snapshot({
    ingressClasses: [albClass()],
    services: [service('web', { nodePort: 30080 })],
    ingresses: [ingress('shop', { annotations, rules: [rule('shop.example.com', path('/', 'web'))], ...(tls ? { tls } : {}) })],
  }), facts, CONFIG);
  const { backendSecurityGroupId: _b, ...noBackend } = baseFacts;

  it('needs nothing more for an HTTP-only Ingress', () => {
    assert.deepEqual(optionalFactsNeeded(build({}).stacks), { certificates: false, securityGroups: false, backendSecurityGroup: false, webAcls: false, managedCertificates: false, trustStoreNames: [] });
  });

  it('needs certificates for an HTTPS listener without certificate-arn', () => {
    const built = build({ [A('listen-ports')]: '[{"HTTPS":443}]' }, [{ hosts: ['shop.example.com'] }]);
    assert.deepEqual(optionalFactsNeeded(built.stacks), { certificates: true, securityGroups: false, backendSecurityGroup: false, webAcls: false, managedCertificates: false, trustStoreNames: [] });
  });

  it('needs the backend security group when a load balancer uses it and its ID is not known', () => {
    assert.equal(optionalFactsNeeded(build({}, undefined, noBackend).stacks).backendSecurityGroup, true);
    assert.equal(optionalFactsNeeded(build({ [A('security-groups')]: 'sg-0123' }, undefined, noBackend).stacks).backendSecurityGroup, false, 'user groups, rules not managed');
    const managed = build({ [A('security-groups')]: 'sg-0123', [A('manage-backend-security-group-rules')]: 'true' }, undefined, noBackend);
    assert.equal(optionalFactsNeeded(managed.stacks).backendSecurityGroup, true);
  });

  it('does not need certificates when certificate-arn names them', () => {
    const built = build({ [A('certificate-arn')]: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' });
    assert.equal(optionalFactsNeeded(built.stacks).certificates, false);
  });

  it('needs security groups when security-groups names one by name', () => {
    assert.deepEqual(optionalFactsNeeded(build({ [A('security-groups')]: 'web-sg' }).stacks), { certificates: false, securityGroups: true, backendSecurityGroup: false, webAcls: false, managedCertificates: false, trustStoreNames: [] });
  });

  it('needs the web ACL list for wafv2-acl-name, not for an ARN or "none"', () => {
    assert.equal(optionalFactsNeeded(build({ [A('wafv2-acl-name')]: 'shop' }).stacks).webAcls, true);
    assert.equal(optionalFactsNeeded(build({ [A('wafv2-acl-name')]: 'none' }).stacks).webAcls, false);
    assert.equal(optionalFactsNeeded(build({ [A('wafv2-acl-arn')]: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/1' }).stacks).webAcls, false);
  });

  it('does not need security groups for IDs', () => {
    assert.equal(optionalFactsNeeded(build({ [A('security-groups')]: 'sg-0123' }).stacks).securityGroups, false);
  });
});
