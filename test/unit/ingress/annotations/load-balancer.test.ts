import assert from 'node:assert/strict';
import { DEFAULTS, parseIngressAnnotations, type IngressAnnotations } from '../../../../src/ingress/annotations/index.ts';
import { ingress, P, type Row } from './helpers.ts';

const ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c';
const LONG = 'x'.repeat(100);

const ROWS: Row[] = [
  {
    key: 'group.name', field: 'groupName',
    valid: [['shop', 'shop'], ['team-a.web', 'team-a.web'], ['a', 'a'], ['a'.repeat(63), 'a'.repeat(63)]],
    invalid: [
      ['Shop', 'expected at most 63 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, got "Shop"'],
      ['-shop', 'expected at most 63 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, got "-shop"'],
      ['a'.repeat(64), `expected at most 63 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, got "${'a'.repeat(57)}..."`],
      ['', 'expected at most 63 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, got ""'],
    ],
  },
  {
    key: 'group.order', field: 'groupOrder', default: DEFAULTS.groupOrder,
    valid: [['10', 10], ['-1000', -1000], ['1000', 1000], ['+5', 5]],
    invalid: [
      ['1001', 'expected an integer in [-1000, 1000], got "1001"'],
      ['1.5', 'expected an integer in [-1000, 1000], got "1.5"'],
      [' 1', 'expected an integer in [-1000, 1000], got " 1"'],
    ],
  },
  {
    key: 'load-balancer-name', field: 'loadBalancerName',
    valid: [['my-alb', 'my-alb'], ['A1', 'A1'], ['x'.repeat(32), 'x'.repeat(32)]],
    invalid: [
      ['x'.repeat(33), `expected at most 32 letters, digits and hyphens, not starting or ending with a hyphen, nor starting with "internal-", got "${'x'.repeat(33)}"`],
      ['my_alb', 'expected at most 32 letters, digits and hyphens, not starting or ending with a hyphen, nor starting with "internal-", got "my_alb"'],
      ['my-alb-', 'expected at most 32 letters, digits and hyphens, not starting or ending with a hyphen, nor starting with "internal-", got "my-alb-"'],
      ['internal-x', 'expected at most 32 letters, digits and hyphens, not starting or ending with a hyphen, nor starting with "internal-", got "internal-x"'],
    ],
  },
  {
    // no default here: the scheme defaults to the controller's --default-load-balancer-scheme (BuildConfig)
    key: 'scheme', field: 'scheme',
    valid: [['internal', 'internal'], ['internet-facing', 'internet-facing']],
    invalid: [['public', 'expected one of internal, internet-facing, got "public"'], ['Internal', 'expected one of internal, internet-facing, got "Internal"']],
  },
  {
    key: 'ip-address-type', field: 'ipAddressType', default: 'ipv4',
    valid: [['ipv4', 'ipv4'], ['dualstack', 'dualstack'], ['dualstack-without-public-ipv4', 'dualstack-without-public-ipv4']],
    invalid: [['ipv6', 'expected one of ipv4, dualstack, dualstack-without-public-ipv4, got "ipv6"']],
  },
  {
    key: 'subnets', field: 'subnets',
    valid: [['subnet-1, subnet-2', ['subnet-1', 'subnet-2']], ['a,,b,', ['a', 'b']], [' , ', undefined]],
    invalid: [],
  },
  {
    key: 'security-groups', field: 'securityGroups',
    valid: [['sg-1,web-sg', ['sg-1', 'web-sg']]],
    invalid: [],
  },
  {
    // Go's strconv.ParseBool spellings, as upstream
    key: 'manage-backend-security-group-rules', field: 'manageBackendSecurityGroupRules',
    valid: [['true', true], ['False', false], ['1', true], ['0', false], ['T', true], ['f', false]],
    invalid: [['yes', 'expected true or false, got "yes"'], ['', 'expected true or false, got ""']],
  },
  {
    key: 'inbound-cidrs', field: 'inboundCidrs',
    valid: [['10.0.0.0/8, 2001:db8::/32', ['10.0.0.0/8', '2001:db8::/32']], ['0.0.0.0/0,::/0', ['0.0.0.0/0', '::/0']], ['::ffff:10.0.0.0/104', ['::ffff:10.0.0.0/104']]],
    invalid: [
      ['10.0.0.0/8,10.0.0.1', 'item 2: expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32, got "10.0.0.1"'],
      ['10.0.0.0/33', 'item 1: expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32, got "10.0.0.0/33"'],
      ['256.0.0.0/8', 'item 1: expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32, got "256.0.0.0/8"'],
      ['2001:db8:::/32', 'item 1: expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32, got "2001:db8:::/32"'],
    ],
  },
  {
    key: 'listen-ports', field: 'listenPorts', default: DEFAULTS.listenPortsHttp,
    valid: [
      ['[{"HTTP": 80}, {"HTTPS": 443}]', [{ protocol: 'HTTP', port: 80 }, { protocol: 'HTTPS', port: 443 }]],
      ['[{"HTTPS": 8443}, {"HTTPS": 8443}]', [{ protocol: 'HTTPS', port: 8443 }]],
      // upstream reads every pair of every object
      ['[{"HTTP": 80, "HTTPS": 443}]', [{ protocol: 'HTTP', port: 80 }, { protocol: 'HTTPS', port: 443 }]],
      ['[{"HTTP": 80, "HTTPS": 443}, {"HTTP": 8080}]', [{ protocol: 'HTTP', port: 80 }, { protocol: 'HTTPS', port: 443 }, { protocol: 'HTTP', port: 8080 }]],
      ['[{"HTTPS": 443, "HTTP": 80}, {"HTTPS": 443}]', [{ protocol: 'HTTPS', port: 443 }, { protocol: 'HTTP', port: 80 }]],
    ],
    invalid: [
      ['{"HTTP": 80}', 'expected a JSON array such as [{"HTTP": 80}, {"HTTPS": 443}], got an object'],
      ['[{"HTTP": 80}', 'expected JSON, got "[{\\"HTTP\\": 80}"'],
      ['[]', 'expected at least one port, such as [{"HTTP": 80}, {"HTTPS": 443}]'],
      ['[{"TCP": 80}]', '[0]: expected protocol HTTP or HTTPS, got "TCP"'],
      ['[{}]', '[0]: expected at least one "PROTOCOL": port pair, got an empty object'],
      ['[{"HTTP": 80, "TCP": 81}]', '[0]: expected protocol HTTP or HTTPS, got "TCP"'],
      ['[{"HTTP": 80, "HTTPS": 80}]', '[0]: port 80 is listed as both HTTP and HTTPS'],
      ['[{"HTTP": 80, "HTTPS": 0}]', '[0].HTTPS: expected a port in [1, 65535], got 0'],
      ['[{"HTTP": 80}, {"HTTPS": 0}]', '[1].HTTPS: expected a port in [1, 65535], got 0'],
      ['[{"HTTP": "80"}]', '[0].HTTP: expected a port in [1, 65535], got "80"'],
      ['[{"HTTP": 80}, {"HTTPS": 80}]', '[1]: port 80 is listed as both HTTP and HTTPS'],
      ['[80]', '[0]: expected an object such as {"HTTPS": 443}, got 80'],
    ],
  },
  {
    key: 'ssl-redirect', field: 'sslRedirect',
    valid: [['443', 443], ['65535', 65535]],
    invalid: [['0', 'expected an integer in [1, 65535], got "0"'], ['true', 'expected an integer in [1, 65535], got "true"']],
  },
  {
    key: 'certificate-arn', field: 'certificateArns',
    valid: [[`${ARN}, ${ARN}2`, [ARN, `${ARN}2`]], ['arn:aws:iam::123456789012:server-certificate/c', ['arn:aws:iam::123456789012:server-certificate/c']]],
    invalid: [[`${ARN},cert-1`, 'item 2: expected an ARN such as arn:aws:acm:us-east-1:123456789012:certificate/..., got "cert-1"']],
  },
  {
    // no default here: the SSL policy defaults to the controller's --default-ssl-policy (BuildConfig)
    key: 'ssl-policy', field: 'sslPolicy',
    valid: [['ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-TLS13-1-2-2021-06']],
    invalid: [['', 'expected a security policy name such as ELBSecurityPolicy-TLS13-1-2-2021-06, got ""']],
  },
  {
    key: 'load-balancer-attributes', field: 'loadBalancerAttributes',
    valid: [
      ['idle_timeout.timeout_seconds=600, deletion_protection.enabled=true', { 'idle_timeout.timeout_seconds': '600', 'deletion_protection.enabled': 'true' }],
      ['routing.http.xff_header_processing.mode=append,access_logs.s3.prefix=a=b', { 'routing.http.xff_header_processing.mode': 'append', 'access_logs.s3.prefix': 'a=b' }],
      ['access_logs.s3.enabled=true,access_logs.s3.bucket=my-logs', { 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': 'my-logs' }],
    ],
    invalid: [
      ['idle_timeout.timeout_seconds', 'expected key=value pairs separated by commas, got "idle_timeout.timeout_seconds" without "="'],
      ['=1', 'expected key=value pairs separated by commas, got "=1" with an empty key'],
      ['idle_timeout.timeout_seconds=abc', 'load balancer attribute idle_timeout.timeout_seconds: expected an integer in [1, 4000], got "abc"'],
      ['idle_timeout.timeout_seconds=4001', 'load balancer attribute idle_timeout.timeout_seconds: expected an integer in [1, 4000], got "4001"'],
      ['routing.http2.enabled=yes', 'load balancer attribute routing.http2.enabled: expected true or false, got "yes"'],
      ['load_balancing.cross_zone.enabled=false',
        'load balancer attribute load_balancing.cross_zone.enabled: is always true for an Application Load Balancer and cannot be changed, got "false"'],
      ['access_logs.s3.enabled=true', 'load balancer attribute access_logs.s3.enabled=true needs access_logs.s3.bucket (AWS requires the bucket when the logs are on)'],
      ['access_logs.s3.bucket=My_Bucket', 'load balancer attribute access_logs.s3.bucket: expected an S3 bucket name (3-63 lower-case letters, digits, "." and "-"), got "My_Bucket"'],
      ['access_logs.s3.prefix=x/AWSLogs', 'load balancer attribute access_logs.s3.prefix: expected a key prefix of at most 1024 characters without "AWSLogs", got "x/AWSLogs"'],
      ['dns_record.client_routing_policy=any_availability_zone', 'load balancer attribute "dns_record.client_routing_policy" applies to Network Load Balancers only'],
      ['idle_timeout.timeout_second=60', /^load balancer attribute "idle_timeout.timeout_second" is not one AWS knows for this resource; known: deletion_protection.enabled, /],
    ],
  },
  {
    key: 'tags', field: 'tags',
    valid: [
      ['team=shop, env = prod', { team: 'shop', env: 'prod' }], ['empty=', { empty: '' }],
      ['owner=a@b.org, path=/x/y:z, expr=a+b-c, ünïcode=日本 語', { owner: 'a@b.org', path: '/x/y:z', expr: 'a+b-c', ünïcode: '日本 語' }],
    ],
    invalid: [
      ['list=a\\,b', 'the value of tag "list" contains ","; AWS allows letters, numbers, spaces and _ . : / = + - @'],
      ['bell=a\u0007b', 'the value of tag "bell" contains U+0007; AWS allows letters, numbers, spaces and _ . : / = + - @'],
      ['a*b=1', 'tag key "a*b" contains "*"; AWS allows letters, numbers, spaces and _ . : / = + - @'],
      ['elbv2.k8s.aws/cluster=x', 'tag key "elbv2.k8s.aws/cluster" is reserved for the controller'],
      ['ingress.k8s.aws/stack=x', 'tag key "ingress.k8s.aws/stack" is reserved for the controller'],
      ['aws:cloudformation:stack-name=x', 'tag key "aws:cloudformation:stack-name" uses the prefix "aws:", which AWS reserves'],
      [`${'k'.repeat(129)}=v`, `tag key "${'k'.repeat(57)}..." is 129 characters long; at most 128 are allowed`],
      [`k=${'v'.repeat(257)}`, 'the value of tag "k" is 257 characters long; at most 256 are allowed'],
    ],
  },
];

describe('ingress annotations: load balancer and listeners', () => {
  for (const row of ROWS) {
    describe(row.key, () => {
      it('absent: not set, and the builder default is documented', () => {
        const { value, issues } = parseIngressAnnotations(ingress({}));
        assert.equal(value[row.field as keyof IngressAnnotations], undefined);
        assert.deepEqual(issues, []);
        if ('default' in row) {
          const defaults: Record<string, unknown> = DEFAULTS;
          const name = row.field === 'listenPorts' ? 'listenPortsHttp' : row.field;
          assert.deepEqual(defaults[name], row.default);
        }
      });
      for (const [raw, expected] of row.valid) {
        it(`valid: ${JSON.stringify(raw).slice(0, 70)}`, () => {
          const { value, issues } = parseIngressAnnotations(ingress({ [row.key]: raw }));
          assert.deepEqual(issues, []);
          assert.deepEqual(value[row.field as keyof IngressAnnotations], expected);
        });
      }
      for (const [raw, reason] of row.invalid) {
        it(`invalid: ${JSON.stringify(raw).slice(0, 70)}`, () => {
          const ing = ingress({ [row.key]: raw });
          const { value, issues } = parseIngressAnnotations(ing);
          assert.equal(value[row.field as keyof IngressAnnotations], undefined);
          assert.deepEqual(issues.map((i) => ({ ...i, reason: typeof reason === 'string' ? i.reason : reason.test(i.reason) })),
            [{ object: ing.ref, field: P + row.key, code: 'InvalidAnnotation', reason: typeof reason === 'string' ? reason : true }]);
        });
      }
    });
  }

  it('listen-ports default is HTTPS:443 when certificates are given', () => {
    assert.deepEqual(DEFAULTS.listenPortsHttps, [{ protocol: 'HTTPS', port: 443 }]);
  });

  it('reads several annotations at once and reports each bad one', () => {
    const ing = ingress({ scheme: 'internet-facing', 'group.name': 'Bad', 'ssl-redirect': '443', 'ip-address-type': 'v6' });
    const { value, issues } = parseIngressAnnotations(ing);
    assert.deepEqual(value, { scheme: 'internet-facing', sslRedirect: 443 });
    assert.deepEqual(issues.map((i) => i.field), [P + 'group.name', P + 'ip-address-type']);
  });

  it('ignores annotations it does not know', () => {
    assert.deepEqual(parseIngressAnnotations(ingress({ unknown: LONG, 'some-future-annotation': 'x' })), { value: {}, issues: [] });
  });
});
