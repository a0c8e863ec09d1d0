import assert from 'node:assert/strict';
import { buildStacks, optionalFactsNeeded } from '../../../src/ingress/index.ts';
import { A, CONFIG, FACTS, albClass, ingress, path, rule, service, snapshot } from './fixtures.ts';

// The controller fetches certificates and security-group names only when a build asks for them.
describe('optional facts a build needs', () => {
  const { certificates: _c, securityGroups: _s, ...baseFacts } = FACTS;
  const build = (annotations: Record<string, string>, tls?: { hosts: string[] }[]) => buildStacks(snapshot({
    ingressClasses: [albClass()],
    services: [service('web', { nodePort: 30080 })],
    ingresses: [ingress('shop', { annotations, rules: [rule('shop.example.com', path('/', 'web'))], ...(tls ? { tls } : {}) })],
  }), baseFacts, CONFIG);

  it('needs nothing more for an HTTP-only Ingress', () => {
    assert.deepEqual(optionalFactsNeeded(build({}).stacks), { certificates: false, securityGroups: false });
  });

  it('needs certificates for an HTTPS listener without certificate-arn', () => {
    const built = build({ [A('listen-ports')]: '[{"HTTPS":443}]' }, [{ hosts: ['shop.example.com'] }]);
    assert.deepEqual(optionalFactsNeeded(built.stacks), { certificates: true, securityGroups: false });
  });

  it('does not need certificates when certificate-arn names them', () => {
    const built = build({ [A('certificate-arn')]: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' });
    assert.equal(optionalFactsNeeded(built.stacks).certificates, false);
  });

  it('needs security groups when security-groups names one by name', () => {
    assert.deepEqual(optionalFactsNeeded(build({ [A('security-groups')]: 'web-sg' }).stacks), { certificates: false, securityGroups: true });
  });

  it('does not need security groups for IDs', () => {
    assert.equal(optionalFactsNeeded(build({ [A('security-groups')]: 'sg-0123' }).stacks).securityGroups, false);
  });
});
