import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backendSecurityGroupName, loadBalancerName, managedSecurityGroupName, sanitize, targetGroupName } from '../../../src/ingress/index.ts';

// Vectors from upstream's model builder tests (pkg/ingress/model_builder_test.go): cluster "cluster-dummy",
// implicit group ns-1/ing-1, Services without a UID. Matching them means upstream-made resources keep their names.
describe('ingress naming (upstream-compatible hashes)', () => {
  const implicit = { explicit: false, namespace: 'ns-1', name: 'ing-1' } as const;

  it('names an implicit group ALB like upstream, per scheme', () => {
    assert.equal(loadBalancerName('cluster-dummy', implicit, 'internal'), 'k8s-ns1-ing1-b7e914000d');
    assert.equal(loadBalancerName('cluster-dummy', implicit, 'internet-facing'), 'k8s-ns1-ing1-159dd7a143');
  });

  it('names the managed security group like upstream (no scheme in the hash)', () => {
    assert.equal(managedSecurityGroupName('cluster-dummy', implicit), 'k8s-ns1-ing1-bd83176788');
  });

  it('names the shared backend security group like upstream: k8s-traffic-<sanitized cluster[:232]>-<hash of the cluster name>', () => {
    // computed by running upstream's getBackendSGName (pkg/networking/backend_sg_provider.go) under Go 1.26
    const cluster30 = Array.from({ length: 30 }, (_, i) => `cluster-0${i % 10}`).join('');
    const vectors: [string, string][] = [
      ['demo', 'k8s-traffic-demo-2a97516c35'],
      ['my-cluster', 'k8s-traffic-mycluster-4cbfcec96c'],
      ['prod_eu.west-1', 'k8s-traffic-prodeuwest1-58de2adbf4'],
      ['Äpfel-cluster', 'k8s-traffic-pfelcluster-01c0fcf3d5'],
      ['a', 'k8s-traffic-a-ca978112ca'],
      [cluster30, `k8s-traffic-${cluster30.replace(/-/g, '').slice(0, 232)}-4794f0c09b`],
    ];
    for (const [cluster, name] of vectors) assert.equal(backendSecurityGroupName(cluster), name, cluster);
    assert.equal(backendSecurityGroupName(cluster30).length, 'k8s-traffic-'.length + 232 + 11, 'the cluster part is cut at 232 characters');
  });

  it('property: any --cluster-name gives a valid security group name (at most 255 ASCII characters) that only the cluster name decides', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400, unit: 'grapheme' }), (cluster) => {
      const name = backendSecurityGroupName(cluster);
      assert.match(name, /^k8s-traffic-[A-Za-z0-9]{0,232}-[0-9a-f]{10}$/);
      assert.ok(name.length <= 255);
      assert.equal(backendSecurityGroupName(cluster), name);
    }), { numRuns: 2000 });
  });

  it('names target groups like upstream', () => {
    const base = {
      clusterName: 'cluster-dummy', group: implicit, ingressNamespace: 'ns-1', ingressName: 'ing-1', serviceNamespace: 'ns-1',
      serviceUid: '', protocolVersion: 'HTTP1',
    } as const;
    assert.equal(targetGroupName({ ...base, serviceName: 'svc-1', servicePort: 'http', targetGroupPort: 32768, targetType: 'instance', protocol: 'HTTP' }),
      'k8s-ns1-svc1-9889425938');
    assert.equal(targetGroupName({ ...base, serviceName: 'svc-3', servicePort: 'https', targetGroupPort: 8443, targetType: 'ip', protocol: 'HTTPS' }),
      'k8s-ns1-svc3-bf42870fba');
  });

  it('shapes explicit group names as k8s-<group[:17]>-<hash>, stripping non-alphanumerics', () => {
    const name = loadBalancerName('demo', { explicit: true, namespace: '', name: 'my-very-long.group-name-here' }, 'internal');
    assert.match(name, /^k8s-myverylonggroupna-[0-9a-f]{10}$/);
    assert.ok(name.length <= 32);
    assert.equal(sanitize('a-b.c_d'), 'abcd');
  });

  it('is stable: the same input gives the same name, another scheme another name', () => {
    const g = { explicit: true, namespace: '', name: 'shop' } as const;
    assert.equal(loadBalancerName('demo', g, 'internal'), loadBalancerName('demo', g, 'internal'));
    assert.notEqual(loadBalancerName('demo', g, 'internal'), loadBalancerName('demo', g, 'internet-facing'));
  });
});
