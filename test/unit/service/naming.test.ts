// Names must equal upstream's bit for bit, so the NLBs, target groups and security groups it created are adopted.
// Every expected value below is from upstream's pkg/service/model_builder_test.go (cluster "my-cluster").
import assert from 'node:assert/strict';
import { nlbName, nlbSecurityGroupName, nlbTargetGroupName } from '../../../src/service/index.ts';

const cluster = 'my-cluster';
const tls = { namespace: 'default', name: 'nlb-ip-svc-tls', uid: 'bdca2bd0-bfc6-449a-88a3-03451f05f18c' };
const multi = { namespace: 'default', name: 'nlb-ip-svc', uid: '7ab4be33-11c2-4a7b-b655-7add8affab36' };
const instance = { namespace: 'default', name: 'instance-mode', uid: '2dc098f0-ae33-4378-af7b-83e2a0424495' };
const local = { namespace: 'app', name: 'traffic-local', uid: '2dc098f0-ae33-4378-af7b-83e2a0424495' };

describe('service/naming: upstream test vectors', () => {
  it('NLB names hash cluster, Service UID and scheme', () => {
    assert.equal(nlbName(cluster, tls, 'internal'), 'k8s-default-nlbipsvc-6b0ba8ff70');
    assert.equal(nlbName(cluster, tls, 'internet-facing'), 'k8s-default-nlbipsvc-4d831c6ca6');
    assert.equal(nlbName(cluster, multi, 'internal'), 'k8s-default-nlbipsvc-518cdfc227');
    assert.equal(nlbName(cluster, instance, 'internal'), 'k8s-default-instance-7ca1de7e6c');
    // this case keeps the scheme of an existing internet-facing NLB
    assert.equal(nlbName(cluster, local, 'internet-facing'), 'k8s-app-trafficl-2af705447d');
  });

  it('target group names hash ports, target type, protocols and the health-check interval', () => {
    const tg = (service: typeof tls, targetGroupPort: number, servicePort: number, targetType: string, healthCheckProtocol: string): string =>
      nlbTargetGroupName({ clusterName: cluster, service, targetGroupPort, servicePort, targetType, protocol: 'TCP', healthCheckProtocol, healthCheckIntervalSeconds: 10 });
    assert.equal(tg(tls, 80, 80, 'ip', 'TCP'), 'k8s-default-nlbipsvc-d4818dcd51');
    assert.equal(tg(multi, 80, 80, 'ip', 'HTTP'), 'k8s-default-nlbipsvc-62f81639fc');
    assert.equal(tg(multi, 80, 83, 'ip', 'HTTP'), 'k8s-default-nlbipsvc-3ede6b28b6');
    assert.equal(tg(instance, 31223, 80, 'instance', 'TCP'), 'k8s-default-instance-0c68c79423');
    assert.equal(tg(instance, 32323, 83, 'instance', 'TCP'), 'k8s-default-instance-c200165858');
    assert.equal(tg(local, 31223, 80, 'instance', 'HTTP'), 'k8s-app-trafficl-d2b8571b2f');
    assert.equal(tg(local, 32323, 83, 'instance', 'HTTP'), 'k8s-app-trafficl-4be0ac1fb8');
  });

  it('managed security group names hash cluster, name, namespace and UID', () => {
    assert.equal(nlbSecurityGroupName(cluster, tls), 'k8s-default-nlbipsvc-1da4b78715');
    assert.equal(nlbSecurityGroupName(cluster, instance), 'k8s-default-instance-38fe420757');
    assert.equal(nlbSecurityGroupName(cluster, local), 'k8s-app-trafficl-7b81fc143c');
  });
});
