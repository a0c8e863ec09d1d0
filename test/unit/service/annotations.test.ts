import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { SERVICE_KEYS } from '../../../src/model/upstream-keys.ts';
import { SERVICE_PREFIX, SERVICE_TABLE, parseServiceAnnotations } from '../../../src/service/index.ts';
import { S, build, svc } from './fixtures.ts';

const parse = (a: Record<string, string>) => parseServiceAnnotations({ ref: { kind: 'Service', namespace: 'shop', name: 'echo' }, annotations: a });

/** for every row of the table: values it takes (with what they parse to) and values it refuses */
const SAMPLES: Record<string, { valid: [string, unknown][]; invalid: string[] }> = {
  'aws-load-balancer-type': { valid: [['external', 'external'], ['nlb-ip', 'nlb-ip']], invalid: [''] },
  'aws-load-balancer-nlb-target-type': { valid: [['ip', 'ip'], ['instance', 'instance']], invalid: ['IP', 'pod'] },
  'aws-load-balancer-name': { valid: [['my-nlb', 'my-nlb']], invalid: ['-x', 'internal-x', 'a'.repeat(33), 'a_b'] },
  'aws-load-balancer-scheme': { valid: [['internal', 'internal'], ['internet-facing', 'internet-facing']], invalid: ['public'] },
  'aws-load-balancer-internal': { valid: [['true', true], ['0', false]], invalid: ['yes'] },
  'aws-load-balancer-ip-address-type': { valid: [['dualstack', 'dualstack']], invalid: ['dualstack-without-public-ipv4', 'ipv6'] },
  'aws-load-balancer-subnets': { valid: [['subnet-1, public-a', ['subnet-1', 'public-a']]], invalid: [] },
  'aws-load-balancer-eip-allocations': { valid: [['eipalloc-1,eipalloc-2', ['eipalloc-1', 'eipalloc-2']]], invalid: ['eip-1'] },
  'aws-load-balancer-private-ipv4-addresses': { valid: [['10.0.0.5', ['10.0.0.5']]], invalid: ['10.0.0.256', '2600::1'] },
  'aws-load-balancer-ipv6-addresses': { valid: [['2600:1f13::5', ['2600:1f13::5']]], invalid: ['10.0.0.5'] },
  'aws-load-balancer-enable-prefix-for-ipv6-source-nat': { valid: [['on', 'on']], invalid: ['true'] },
  'aws-load-balancer-source-nat-ipv6-prefixes': { valid: [['auto_assigned,2600:1f13:0:1::/80', ['auto_assigned', '2600:1f13:0:1::/80']]], invalid: ['2600::/64'] },
  'aws-load-balancer-security-groups': { valid: [['sg-1,web', ['sg-1', 'web']]], invalid: [] },
  'aws-load-balancer-manage-backend-security-group-rules': { valid: [['false', false]], invalid: ['no'] },
  'aws-load-balancer-disable-nlb-sg': { valid: [['TRUE', true]], invalid: ['on'] },
  'aws-load-balancer-inbound-sg-rules-on-private-link-traffic': { valid: [['off', 'off']], invalid: ['Off'] },
  'load-balancer-source-ranges': { valid: [['10.0.0.0/8, ::/0', ['10.0.0.0/8', '::/0']]], invalid: ['10.0.0.0'] },
  'aws-load-balancer-security-group-prefix-lists': { valid: [['pl-1', ['pl-1']]], invalid: ['prefix-1'] },
  'aws-load-balancer-enable-icmp-for-path-mtu-discovery': { valid: [['on', 'on']], invalid: [''] },
  'aws-load-balancer-ssl-cert': { valid: [['arn:aws:acm:us-east-1:1:certificate/a', ['arn:aws:acm:us-east-1:1:certificate/a']]], invalid: ['my-cert'] },
  'aws-load-balancer-ssl-ports': { valid: [['443, https', ['443', 'https']]], invalid: [] },
  'aws-load-balancer-ssl-negotiation-policy': { valid: [['ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-TLS13-1-2-2021-06']], invalid: [''] },
  'aws-load-balancer-alpn-policy': { valid: [['HTTP2Only', 'HTTP2Only']], invalid: ['h2'] },
  'aws-load-balancer-backend-protocol': { valid: [['ssl', 'ssl']], invalid: [''] },
  'aws-load-balancer-enable-tcp-udp-listener': { valid: [['t', true]], invalid: ['maybe'] },
  'aws-load-balancer-quic-enabled-ports': { valid: [['443', ['443']]], invalid: [] },
  'aws-load-balancer-attributes': { valid: [['deletion_protection.enabled=true', { 'deletion_protection.enabled': 'true' }]], invalid: ['x', 'deletion_protection.enabled=maybe'] },
  'aws-load-balancer-access-log-enabled': { valid: [['true', true]], invalid: ['enabled'] },
  'aws-load-balancer-access-log-s3-bucket-name': { valid: [['logs', 'logs']], invalid: [''] },
  'aws-load-balancer-access-log-s3-bucket-prefix': { valid: [['', '']], invalid: [] },
  'aws-load-balancer-cross-zone-load-balancing-enabled': { valid: [['false', false]], invalid: ['off'] },
  'aws-load-balancer-minimum-load-balancer-capacity': { valid: [['CapacityUnits=100', 100]], invalid: ['CapacityUnits=x', 'Units=1', 'CapacityUnits=-1'] },
  'aws-load-balancer-target-group-attributes': { valid: [['preserve_client_ip.enabled=true', { 'preserve_client_ip.enabled': 'true' }]], invalid: ['preserve_client_ip.enabled=yes'] },
  'aws-load-balancer-proxy-protocol': { valid: [['*', '*']], invalid: ['80'] },
  'aws-load-balancer-proxy-protocol-per-target-group': { valid: [['80, 443', [80, 443]]], invalid: ['http'] },
  'aws-load-balancer-healthcheck-protocol': { valid: [['http', 'HTTP'], ['TCP', 'TCP']], invalid: ['udp'] },
  'aws-load-balancer-healthcheck-port': { valid: [['traffic-port', 'traffic-port'], ['8080', '8080'], ['health', 'health']], invalid: ['0', 'Health!'] },
  'aws-load-balancer-healthcheck-path': { valid: [['/healthz', '/healthz']], invalid: ['healthz'] },
  'aws-load-balancer-healthcheck-interval': { valid: [['5', 5], ['300', 300]], invalid: ['4', '301', 'ten'] },
  'aws-load-balancer-healthcheck-timeout': { valid: [['2', 2]], invalid: ['121'] },
  'aws-load-balancer-healthcheck-healthy-threshold': { valid: [['10', 10]], invalid: ['1'] },
  'aws-load-balancer-healthcheck-unhealthy-threshold': { valid: [['2', 2]], invalid: ['11'] },
  'aws-load-balancer-healthcheck-success-codes': { valid: [['200-399', '200-399'], ['200,202', '200,202']], invalid: ['199', '200-600', 'ok'] },
  'aws-load-balancer-target-node-labels': { valid: [['pool=edge', { pool: 'edge' }]], invalid: ['pool'] },
  'aws-load-balancer-multi-cluster-target-group': { valid: [['false', false]], invalid: ['nope'] },
  'aws-load-balancer-additional-resource-tags': { valid: [['team=web', { team: 'web' }]], invalid: ['elbv2.k8s.aws/cluster=x', 'aws:x=y'] },
};

describe('service/annotations: one parser per value', () => {
  it('every row of the table has samples', () => {
    assert.deepEqual(Object.values(SERVICE_TABLE).map(([suffix]) => suffix).sort(), Object.keys(SAMPLES).sort());
  });
  for (const [field, [suffix]] of Object.entries(SERVICE_TABLE) as [string, readonly [string, unknown]][]) {
    const samples = SAMPLES[suffix];
    it(`${suffix}`, () => {
      for (const [raw, want] of samples?.valid ?? []) {
        const r = parse({ [SERVICE_PREFIX + suffix]: raw });
        assert.deepEqual(r.issues.filter((i) => i.code === 'InvalidAnnotation'), [], raw);
        assert.deepEqual((r.value as Record<string, unknown>)[field], want, raw);
      }
      for (const raw of samples?.invalid ?? []) {
        const r = parse({ [SERVICE_PREFIX + suffix]: raw });
        assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[SERVICE_PREFIX + suffix, 'InvalidAnnotation']], raw);
        assert.ok(r.issues[0]?.reason.length, 'a reason');
      }
    });
  }
});

describe('service/annotations: the registry of upstream keys', () => {
  const upstream = [
    'load-balancer-source-ranges', 'aws-load-balancer-type', 'aws-load-balancer-nlb-target-type', 'aws-load-balancer-name', 'aws-load-balancer-scheme',
    'aws-load-balancer-internal', 'aws-load-balancer-proxy-protocol', 'aws-load-balancer-proxy-protocol-per-target-group', 'aws-load-balancer-ip-address-type',
    'aws-load-balancer-access-log-enabled', 'aws-load-balancer-access-log-s3-bucket-name', 'aws-load-balancer-access-log-s3-bucket-prefix',
    'aws-load-balancer-cross-zone-load-balancing-enabled', 'aws-load-balancer-ssl-cert', 'aws-load-balancer-ssl-ports', 'aws-load-balancer-ssl-negotiation-policy',
    'aws-load-balancer-backend-protocol', 'aws-load-balancer-additional-resource-tags', 'aws-load-balancer-healthcheck-healthy-threshold',
    'aws-load-balancer-healthcheck-unhealthy-threshold', 'aws-load-balancer-healthcheck-timeout', 'aws-load-balancer-healthcheck-interval',
    'aws-load-balancer-healthcheck-protocol', 'aws-load-balancer-healthcheck-port', 'aws-load-balancer-healthcheck-path', 'aws-load-balancer-healthcheck-success-codes',
    'aws-load-balancer-target-group-attributes', 'aws-load-balancer-subnets', 'aws-load-balancer-eip-allocations', 'aws-load-balancer-private-ipv4-addresses',
    'aws-load-balancer-ipv6-addresses', 'aws-load-balancer-alpn-policy', 'aws-load-balancer-target-node-labels', 'aws-load-balancer-attributes',
    'aws-load-balancer-security-groups', 'aws-load-balancer-manage-backend-security-group-rules', 'aws-load-balancer-inbound-sg-rules-on-private-link-traffic',
    'aws-load-balancer-security-group-prefix-lists', 'aws-load-balancer-listener-attributes.<PROTOCOL>-<port>', 'aws-load-balancer-multi-cluster-target-group',
    'aws-load-balancer-enable-prefix-for-ipv6-source-nat', 'aws-load-balancer-source-nat-ipv6-prefixes', 'aws-load-balancer-minimum-load-balancer-capacity',
    'aws-load-balancer-enable-icmp-for-path-mtu-discovery', 'aws-load-balancer-enable-tcp-udp-listener', 'aws-load-balancer-disable-nlb-sg',
    'aws-load-balancer-quic-enabled-ports', 'actions.<PROTOCOL>-<port>', 'aws-load-balancer-target-group-attributes.<port>', 'aws-load-balancer-quic-enabled-containers',
  ];

  it('lists every upstream Service annotation once, and nothing else', () => {
    const keys = SERVICE_KEYS.map((k) => k.key);
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual([...keys].sort(), upstream.map((s) => SERVICE_PREFIX + s).sort());
  });

  it('a refused or ignored key says why', () => {
    for (const k of SERVICE_KEYS.filter((x) => x.status !== 'implemented')) assert.ok(k.why && k.why.length > 20, k.key);
  });

  it('the Table parses every key the registry calls implemented, and the refused ones it parses still refuse', () => {
    const parsed = new Set(Object.values(SERVICE_TABLE).map(([suffix]) => SERVICE_PREFIX + suffix));
    const exact = SERVICE_KEYS.filter((k) => !k.key.includes('<'));
    for (const k of exact.filter((x) => x.status === 'implemented')) assert.ok(parsed.has(k.key), `${k.key} is implemented but not parsed`);
    for (const key of parsed) assert.notEqual(exact.find((k) => k.key === key)?.status, 'ignored', key);
    for (const key of parsed) assert.ok(exact.some((k) => k.key === key), `${key} is parsed but not in the registry`);
  });

  it('docs/service-annotations.md names every key with its status', () => {
    const doc = readFileSync(new URL('../../../docs/service-annotations.md', import.meta.url), 'utf8');
    for (const k of SERVICE_KEYS) {
      const suffix = k.key.slice(SERVICE_PREFIX.length);
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${suffix}\``));
      assert.ok(row, `docs/service-annotations.md has no row for ${suffix}`);
      assert.ok(row.includes(k.status), `${suffix}: the row does not say ${k.status}`);
    }
  });
});

describe('service/build: property', () => {
  const suffixes = [...Object.values(SERVICE_TABLE).map(([s]) => s), 'actions.TCP-80', 'aws-load-balancer-target-group-attributes.80',
    'aws-load-balancer-listener-attributes.TCP-80', 'aws-load-balancer-listener-attributes.TLS-443'];
  const VALUES = ['true', 'false', 'on', 'off', '*', 'ip', 'instance', 'internal', 'internet-facing', 'dualstack', '80', '443', 'https', 'tcp',
    'http', '10', '3', 'k=v', 'preserve_client_ip.enabled=true', 'CapacityUnits=5', 'subnet-pub-a', 'public-a', 'sg-web', 'web-sg', 'nope',
    'arn:aws:acm:us-east-1:1:certificate/a', '10.0.128.5,10.0.160.5', 'eipalloc-1,eipalloc-2', '2600:1f13:0:100::5', '10.1.0.0/16', 'pl-1',
    'auto_assigned,auto_assigned', 'ssl', 'HTTP2Optional', 'external', 'nlb-ip', '/healthz', '200-399', ''];
  const annotations = fc.dictionary(fc.constantFrom(...suffixes).map((s) => S + s),
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...VALUES) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }), { maxKeys: 6 });
  const port = fc.record({
    name: fc.constantFrom('tcp', 'https', 'dns', 'q'), port: fc.constantFrom(53, 80, 443), protocol: fc.constantFrom('TCP', 'TCP', 'UDP', 'SCTP'),
    targetPort: fc.constantFrom<number | string>(8080, 'web', '9090'), nodePort: fc.option(fc.constantFrom(30001, 30002, 30003), { nil: undefined }),
  });
  const spec = fc.record({
    type: fc.constantFrom('LoadBalancer', 'LoadBalancer', 'NodePort', 'ClusterIP'), ports: fc.array(port, { minLength: 0, maxLength: 3 }),
    externalTrafficPolicy: fc.constantFrom('Cluster', 'Local'), healthCheckNodePort: fc.option(fc.constant(32000), { nil: undefined }),
    loadBalancerSourceRanges: fc.option(fc.constantFrom(['1.2.3.0/24'], ['::/0'], ['bad']).map((x) => [...x]), { nil: undefined }),
    ipFamilies: fc.constantFrom(['IPv4'], ['IPv6']).map((x) => [...x]),
  });
  const existing = fc.option(fc.record({ scheme: fc.constantFrom('internal' as const, 'internet-facing' as const),
    subnets: fc.constantFrom(['subnet-priv-a'], ['subnet-pub-a', 'subnet-pub-b']), securityGroups: fc.constantFrom<string[]>([], ['sg-1']) }), { nil: undefined });

  it('never throws; either a consistent stack or Issues on the Service only', () => {
    fc.assert(fc.property(annotations, spec, existing, (a, sp, ex) => {
      const r = build(svc(a, sp), ex ? { existing: ex } : {});
      if (r.action === 'ignored') return;
      for (const i of r.issues) assert.ok(i.object.kind === 'Service' && i.object.name === 'echo' && i.field && i.reason, JSON.stringify(i));
      if (!r.stack) { assert.ok(r.issues.length > 0, 'no stack without a reason'); return; }
      assert.equal(r.issues.length, 0);
      const res = r.stack.resources;
      const ids = res.map((x) => `${x.kind}/${x.id}`);
      assert.equal(new Set(ids).size, ids.length, 'unique resources');
      for (const x of res) {
        const name = (x.spec as { name?: string }).name;
        if ((x.kind === 'LoadBalancer' || x.kind === 'TargetGroup') && name) assert.match(name, /^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/);
      }
      const tgs = res.filter((x) => x.kind === 'TargetGroup').map((x) => x.id);
      const listeners = res.filter((x) => x.kind === 'Listener');
      assert.equal(listeners.length, tgs.length, 'a target group per listener');
      assert.deepEqual(res.filter((x) => x.kind === 'TargetGroupBinding').map((x) => x.id), tgs);
    }), { numRuns: 3000 });
  });
});
