import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULTS, parseBackendAnnotations, type BackendAnnotations } from '../../../../src/ingress/annotations/index.ts';
import { ingress, P, service, type Row } from './helpers.ts';

const HC_PORT = 'expected traffic-port, a port in [1, 65535] or a Service port name';
const HC_PATH = 'expected a path starting with "/", without spaces, at most 1024 characters';

const ROWS: Row[] = [
  {
    // no default here: the target type defaults to the controller's --default-target-type (BuildConfig)
    key: 'target-type', field: 'targetType',
    valid: [['instance', 'instance'], ['ip', 'ip']],
    invalid: [['pod', 'expected one of instance, ip, got "pod"']],
  },
  {
    key: 'backend-protocol', field: 'backendProtocol', default: 'HTTP',
    valid: [['HTTP', 'HTTP'], ['HTTPS', 'HTTPS']],
    invalid: [['https', 'expected one of HTTP, HTTPS, got "https"'], ['GRPC', 'expected one of HTTP, HTTPS, got "GRPC"']],
  },
  {
    key: 'backend-protocol-version', field: 'backendProtocolVersion', default: 'HTTP1',
    valid: [['HTTP1', 'HTTP1'], ['HTTP2', 'HTTP2'], ['GRPC', 'GRPC']],
    invalid: [['HTTP3', 'expected one of HTTP1, HTTP2, GRPC, got "HTTP3"']],
  },
  {
    key: 'healthcheck-port', field: 'healthcheckPort', default: 'traffic-port',
    valid: [['traffic-port', 'traffic-port'], ['8080', '8080'], ['+80', '80'], ['http-metrics', 'http-metrics']],
    invalid: [['0', `${HC_PORT}, got "0"`], ['65536', `${HC_PORT}, got "65536"`], ['Metrics', `${HC_PORT}, got "Metrics"`], ['a--b', `${HC_PORT}, got "a--b"`]],
  },
  {
    key: 'healthcheck-protocol', field: 'healthcheckProtocol',
    valid: [['HTTP', 'HTTP'], ['HTTPS', 'HTTPS']],
    invalid: [['TCP', 'expected one of HTTP, HTTPS, got "TCP"']],
  },
  {
    key: 'healthcheck-path', field: 'healthcheckPath', default: '/',
    valid: [['/healthz', '/healthz'], ['/pkg.Service/Check', '/pkg.Service/Check']],
    invalid: [['healthz', `${HC_PATH}, got "healthz"`], ['/a b', `${HC_PATH}, got "/a b"`]],
  },
  {
    key: 'healthcheck-interval-seconds', field: 'healthcheckIntervalSeconds', default: 15,
    valid: [['10', 10], ['300', 300]],
    invalid: [['4', 'expected an integer in [5, 300], got "4"'], ['301', 'expected an integer in [5, 300], got "301"'], ['10s', 'expected an integer in [5, 300], got "10s"']],
  },
  {
    key: 'healthcheck-timeout-seconds', field: 'healthcheckTimeoutSeconds', default: 5,
    valid: [['2', 2], ['14', 14]],
    invalid: [['1', 'expected an integer in [2, 120], got "1"'], ['121', 'expected an integer in [2, 120], got "121"']],
  },
  {
    key: 'healthy-threshold-count', field: 'healthyThresholdCount', default: 2,
    valid: [['2', 2], ['10', 10]],
    invalid: [['11', 'expected an integer in [2, 10], got "11"'], ['1', 'expected an integer in [2, 10], got "1"']],
  },
  {
    key: 'unhealthy-threshold-count', field: 'unhealthyThresholdCount', default: 2,
    valid: [['3', 3]],
    invalid: [['0', 'expected an integer in [2, 10], got "0"']],
  },
  {
    key: 'success-codes', field: 'successCodes', default: '200',
    valid: [['200', '200'], ['200,201', '200,201'], ['200-299', '200-299'], ['200-399,404', '200-399,404']],
    invalid: [
      ['200, 201', 'expected codes such as 200, 200,202 or 200-299, got "200, 201"'],
      ['ok', 'expected codes such as 200, 200,202 or 200-299, got "ok"'],
      ['500', 'expected HTTP codes in [200, 499] such as 200, 200,202 or 200-299, got "500"'],
      ['299-200', 'expected HTTP codes in [200, 499] such as 200, 200,202 or 200-299, got "299-200"'],
    ],
  },
  {
    key: 'target-group-attributes', field: 'targetGroupAttributes',
    valid: [
      ['deregistration_delay.timeout_seconds=30,stickiness.enabled=true', { 'deregistration_delay.timeout_seconds': '30', 'stickiness.enabled': 'true' }],
      ['slow_start.duration_seconds=0', { 'slow_start.duration_seconds': '0' }],
      ['load_balancing.algorithm.type=weighted_random,load_balancing.algorithm.anomaly_mitigation=on',
        { 'load_balancing.algorithm.type': 'weighted_random', 'load_balancing.algorithm.anomaly_mitigation': 'on' }],
      ['target_group_health.dns_failover.minimum_healthy_targets.count=off', { 'target_group_health.dns_failover.minimum_healthy_targets.count': 'off' }],
      ['stickiness.type=app_cookie,stickiness.app_cookie.cookie_name=session', { 'stickiness.type': 'app_cookie', 'stickiness.app_cookie.cookie_name': 'session' }],
    ],
    invalid: [
      ['slow_start', 'expected key=value pairs separated by commas, got "slow_start" without "="'],
      ['deregistration_delay.timeout_seconds=3601', 'target group attribute deregistration_delay.timeout_seconds: expected an integer in [0, 3600], got "3601"'],
      ['slow_start.duration_seconds=10', 'target group attribute slow_start.duration_seconds: expected 0 (off) or an integer in [30, 900], got "10"'],
      ['stickiness.type=source_ip', 'target group attribute stickiness.type: expected one of lb_cookie, app_cookie, got "source_ip"'],
      ['target_group_health.dns_failover.minimum_healthy_targets.percentage=101',
        'target group attribute target_group_health.dns_failover.minimum_healthy_targets.percentage: expected off or an integer in [1, 100], got "101"'],
      ['stickiness.app_cookie.cookie_name=AWSALBAPP-1', 'target group attribute stickiness.app_cookie.cookie_name: cookie names starting with AWSALB are reserved by the load balancer, got "AWSALBAPP-1"'],
      ['load_balancing.algorithm.anomaly_mitigation=on',
        'target group attribute load_balancing.algorithm.anomaly_mitigation needs load_balancing.algorithm.type=weighted_random (AWS offers it only there)'],
      ['preserve_client_ip.enabled=true', 'target group attribute "preserve_client_ip.enabled" applies to Network Load Balancer target groups only'],
    ],
  },
  {
    key: 'target-node-labels', field: 'targetNodeLabels',
    valid: [['role=web, zone=a', { role: 'web', zone: 'a' }]],
    invalid: [['role', 'expected key=value pairs separated by commas, got "role" without "="']],
  },
  {
    key: 'multi-cluster-target-group', field: 'multiClusterTargetGroup',
    valid: [['true', true], ['false', false], ['1', true], ['F', false]],
    invalid: [['yes', 'expected true or false, got "yes"']],
  },
  {
    key: 'tags', field: 'tags',
    valid: [['team=shop', { team: 'shop' }]],
    invalid: [['ingress.k8s.aws/resource=x', 'tag key "ingress.k8s.aws/resource" is reserved for the controller']],
  },
];

describe('ingress annotations: target groups (backend)', () => {
  for (const row of ROWS) {
    describe(row.key, () => {
      it('absent: not set, and the builder default is documented', () => {
        const { value, issues } = parseBackendAnnotations(ingress({}), service({}));
        assert.equal(value[row.field as keyof BackendAnnotations], undefined);
        assert.deepEqual(issues, []);
        if ('default' in row) assert.deepEqual((DEFAULTS as Record<string, unknown>)[row.field], row.default);
      });
      for (const [raw, expected] of row.valid) {
        it(`valid on the Ingress: ${JSON.stringify(raw)}`, () => {
          const { value, issues } = parseBackendAnnotations(ingress({ [row.key]: raw }), undefined);
          assert.deepEqual(issues, []);
          assert.deepEqual(value[row.field as keyof BackendAnnotations], expected);
        });
        it(`valid on the Service: ${JSON.stringify(raw)}`, () => {
          const { value, issues } = parseBackendAnnotations(ingress({}), service({ [row.key]: raw }));
          assert.deepEqual(issues, []);
          assert.deepEqual(value[row.field as keyof BackendAnnotations], expected);
        });
      }
      for (const [raw, reason] of row.invalid) {
        it(`invalid: ${JSON.stringify(raw)}`, () => {
          const ing = ingress({ [row.key]: raw });
          const { value, issues } = parseBackendAnnotations(ing, service({}));
          assert.equal(value[row.field as keyof BackendAnnotations], undefined);
          assert.deepEqual(issues, [{ object: ing.ref, field: P + row.key, code: 'InvalidAnnotation', reason }]);
        });
      }
    });
  }

  it('documents the gRPC defaults', () => {
    assert.equal(DEFAULTS.healthcheckPathGrpc, '/AWS.ALB/healthcheck');
    assert.equal(DEFAULTS.successCodesGrpc, '12');
  });

  describe('success-codes under GRPC', () => {
    it('accepts gRPC codes 0-99', () => {
      const { value, issues } = parseBackendAnnotations(ingress({ 'backend-protocol-version': 'GRPC', 'success-codes': '0-99' }), undefined);
      assert.deepEqual(issues, []);
      assert.equal(value.successCodes, '0-99');
    });
    it('rejects HTTP codes, naming the object that set the codes', () => {
      const ing = ingress({ 'success-codes': '200' });
      const { value, issues } = parseBackendAnnotations(ing, service({ 'backend-protocol-version': 'GRPC' }));
      assert.equal(value.successCodes, undefined);
      assert.deepEqual(issues, [{
        object: ing.ref, field: P + 'success-codes', code: 'InvalidAnnotation',
        reason: 'expected gRPC codes in [0, 99] such as 12, 0,12 or 0-99 (backend-protocol-version is GRPC), got "200"',
      }]);
    });
  });

  describe('health check timeout against interval', () => {
    it('rejects a timeout not shorter than the default interval', () => {
      const svc = service({ 'healthcheck-timeout-seconds': '15' });
      const { issues } = parseBackendAnnotations(ingress({}), svc);
      assert.deepEqual(issues, [{ object: svc.ref, field: P + 'healthcheck-timeout-seconds', code: 'InvalidAnnotation', reason: 'the health check timeout (15s) must be shorter than the interval (15s)' }]);
    });
    it('rejects an interval not longer than the default timeout', () => {
      const ing = ingress({ 'healthcheck-interval-seconds': '5' });
      const { issues } = parseBackendAnnotations(ing, undefined);
      assert.deepEqual(issues, [{ object: ing.ref, field: P + 'healthcheck-interval-seconds', code: 'InvalidAnnotation', reason: 'the health check timeout (5s) must be shorter than the interval (5s)' }]);
    });
    it('accepts both when consistent', () => {
      assert.deepEqual(parseBackendAnnotations(ingress({ 'healthcheck-interval-seconds': '30', 'healthcheck-timeout-seconds': '20' }), undefined).issues, []);
    });
  });

  it('multi-cluster-target-group: any value is a Go boolean or an issue on that key, from the Service first', () => {
    const goBool = new Map([['1', true], ['t', true], ['T', true], ['TRUE', true], ['true', true], ['True', true], ['0', false], ['f', false], ['F', false], ['FALSE', false], ['false', false], ['False', false]]);
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...goBool.keys(), 'yes', ' true', ''), fc.string({ maxLength: 6 })), fc.boolean(), (raw, onService) => {
      const own = { 'multi-cluster-target-group': raw };
      const { value, issues } = onService ? parseBackendAnnotations(ingress({ 'multi-cluster-target-group': 'false' }), service(own)) : parseBackendAnnotations(ingress(own), undefined);
      const want = goBool.get(raw);
      if (want === undefined) {
        assert.equal(value.multiClusterTargetGroup, undefined);
        assert.deepEqual(issues.map((i) => [i.field, i.code]), [[`${P}multi-cluster-target-group`, 'InvalidAnnotation']]);
      } else {
        assert.deepEqual(issues, []);
        assert.equal(value.multiClusterTargetGroup, want);
      }
    }), { numRuns: 1_000 });
  });

  describe('Service annotations win over Ingress annotations, key by key', () => {
    const ing = ingress({ 'target-type': 'ip', 'healthcheck-path': '/ing', 'success-codes': '200-299', tags: 'from=ingress,team=a' });
    const svc = service({ 'healthcheck-path': '/svc', tags: 'from=service' });

    it('takes each key from the Service when set there, else from the Ingress', () => {
      const { value, issues } = parseBackendAnnotations(ing, svc);
      assert.deepEqual(issues, []);
      assert.deepEqual(value, { targetType: 'ip', healthcheckPath: '/svc', successCodes: '200-299', tags: { from: 'service' } });
    });
    it('the Ingress alone applies when there is no Service', () => {
      assert.equal(parseBackendAnnotations(ing, undefined).value.healthcheckPath, '/ing');
    });
    it('a bad Service value is reported on the Service, and does not fall back to the Ingress value', () => {
      const bad = service({ 'healthcheck-path': 'svc' });
      const { value, issues } = parseBackendAnnotations(ing, bad);
      assert.equal(value.healthcheckPath, undefined);
      assert.deepEqual(issues, [{ object: bad.ref, field: P + 'healthcheck-path', code: 'InvalidAnnotation', reason: `${HC_PATH}, got "svc"` }]);
    });
    it('a bad Ingress value hidden by a good Service value is not reported', () => {
      const { value, issues } = parseBackendAnnotations(ingress({ 'target-type': 'pod' }), service({ 'target-type': 'ip' }));
      assert.deepEqual(issues, []);
      assert.equal(value.targetType, 'ip');
    });
  });
});
