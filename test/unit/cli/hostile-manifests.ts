// Hostile input for `aws-lb-controller plan`: what a careless or hostile tenant (Ingresses, Services) or SRE
// (IngressClassParams, flags) could write. Values come from pools that mix the valid, the nearly valid and the
// outrageous: AWS limits just under, at and over, characters AWS refuses, numbers out of range. Each manifest is
// a set of Kubernetes objects plus extra flags for `plan`; the corpus test renders it as multi-document YAML.
import fc from 'fast-check';

export interface Manifest {
  readonly objects: readonly Record<string, unknown>[];
  /** extra `plan` flags (quotas, default tags) */
  readonly flags: readonly string[];
}

const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const CERT = (i: number) => `arn:aws:acm:us-west-2:123456789012:certificate/0000${i}`;
const cidrs = (n: number, v6 = false) => times(n, (i) => (v6 ? `2001:db8:${i.toString(16)}::/48` : `10.${i % 256}.${Math.floor(i / 256)}.0/24`));
const tags = (n: number, from = 0) => times(n, (i) => `k${from + i}=v`).join(',');
const ports = (n: number, from = 8000, protocol = 'HTTP') => JSON.stringify(times(n, (i) => ({ [protocol]: from + i })));
const grow = (sizes: readonly number[]) => fc.constantFrom(...sizes);
/** mostly the short values, sometimes the long ones (they make a manifest costly to parse, and the limits have their own manifests) */
const mostly = <T>(short: fc.Arbitrary<T>, long: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: short }, { weight: 1, arbitrary: long });

// ---- Kubernetes objects ---------------------------------------------------------------------

// apiVersion is left out: the plan command reads `kind` only, and every character costs YAML parsing time
export const albClass = (name: string, params?: string) => ({
  kind: 'IngressClass', metadata: { name },
  spec: { controller: 'ingress.k8s.aws/alb', ...(params ? { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: params } } : {}) },
});

export const serviceObject = (name: string, ns: string, port: Record<string, unknown>, o: { type?: string; annotations?: Record<string, string> } = {}) => ({
  kind: 'Service', metadata: { name, namespace: ns, ...(o.annotations ? { annotations: o.annotations } : {}) },
  spec: { type: o.type ?? 'NodePort', ports: [{ name: 'http', port: 80, ...port }] },
});

/** Services every manifest has, in both namespaces: good ones and ones whose ports no target group can use */
const SERVICES = ['default', 'team-a'].flatMap((ns) => [
  serviceObject('web', ns, { nodePort: 30080, targetPort: 8080 }),
  serviceObject('api', ns, { nodePort: 30081, targetPort: 8081 }, { annotations: { [A('target-type')]: 'ip' } }),
  serviceObject('neg', ns, { nodePort: -1, targetPort: 8080 }),
  serviceObject('zero', ns, { nodePort: 0, targetPort: 0 }),
  serviceObject('huge', ns, { nodePort: 70000, targetPort: 70000 }, { annotations: { [A('target-type')]: 'ip' } }),
  serviceObject('named', ns, { nodePort: 30082, targetPort: 'web' }, { type: 'ClusterIP', annotations: { [A('target-type')]: 'ip' } }),
  serviceObject('tagged', ns, { nodePort: 30083 }, { annotations: { [A('tags')]: tags(48) } }),
  serviceObject('attrs', ns, { nodePort: 30084 }, { annotations: { [A('target-group-attributes')]: 'deregistration_delay.timeout_seconds=3601' } }),
]);
const BACKENDS = ['web', 'web', 'web', 'api', 'api', 'neg', 'zero', 'huge', 'named', 'tagged', 'attrs', 'ghost', 'act'];

export const ingressObject = (name: string, ns: string, annotations: Record<string, string>, spec: Record<string, unknown>) => ({
  kind: 'Ingress', metadata: { name, namespace: ns, annotations }, spec,
});

const backend = (service: string, port: number | string = 80) =>
  ({ service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } });

// ---- value pools ----------------------------------------------------------------------------

/** hosts and paths: the valid ones twice as likely as the ones AWS refuses */
const HOSTS = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('shop.example.com', 'api.example.com', '*.example.com', 'a-b.example.org', 'x.y', `${'h'.repeat(124)}.com`, 'a?c.example.com') },
  fc.constantFrom('localhost', '10.0.0.1', 'shop.example.com:8080', 'a b.example.com', 'ünïcode.example.com', `${'h'.repeat(125)}.com`, 'shop.example.c0m', '*.*.*.*.*.example.com'));
const PATHS = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('/', '/api', '/api/', '/a*b*c', `/${'p'.repeat(100)}`, '/a?b', '/img/*.png', '/a"b\'c@d:e+f&g~h$i', `/${'p'.repeat(125)}`) },
  fc.constantFrom('/a b', `/${'p'.repeat(126)}`, '/ü', '/a%20b', 'relative', '/a*b*c*d*e*f', '/#frag', '/a;b'));

const FORWARD_TWICE = JSON.stringify({ type: 'forward', forwardConfig: { targetGroups: [{ serviceName: 'web', servicePort: 80, weight: 1 }, { serviceName: 'web', servicePort: 80, weight: 2 }] } });
const conditions = (...cs: unknown[]) => JSON.stringify(cs);
const hostValues = (n: number) => ({ field: 'host-header', hostHeaderConfig: { values: times(n, (i) => `h${i}.example.com`) } });

/** per annotation: the values a tenant could write (valid ones included, so that most plans get somewhere) */
const POOL: Readonly<Record<string, fc.Arbitrary<string>>> = {
  scheme: fc.constantFrom('internet-facing', 'internal', 'public'),
  'ip-address-type': fc.constantFrom('ipv4', 'dualstack', 'dualstack-without-public-ipv4'),
  'listen-ports': mostly(
    fc.constantFrom('[{"HTTP": 80}]', '[{"HTTP": 80}, {"HTTPS": 443}]', '[{"HTTPS": 443}]', '[{"HTTP": 0}]', '[{"HTTP": 8080}]'),
    grow([10, 49, 50, 51, 80]).map((n) => ports(n)),
  ),
  'certificate-arn': mostly(fc.constantFrom(CERT(1), 'arn:aws:s3:::bucket/x', 'cert-1', 'arn:aws:iam::123456789012:server-certificate/web'),
    grow([2, 25, 26, 27, 40]).map((n) => times(n, CERT).join(','))),
  'ssl-policy': fc.constantFrom('ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-2016-08', 'my-policy', 'ELBSecurityPolicy-TLS13-1-2-2021-06 '),
  'ssl-redirect': fc.constantFrom('443', '80', 'x'),
  'inbound-cidrs': mostly(fc.constantFrom('10.0.0.0/8', 'x', '10.0.0.0/33', '::/0,10.0.0.0/8', '2001:db8::/32', '10.0.0.1/8'),
    fc.oneof(grow([30, 59, 60, 61, 100]).map((n) => cidrs(n).join(',')), grow([30, 61]).map((n) => [...cidrs(n), ...cidrs(n, true)].join(',')))),
  tags: mostly(fc.constantFrom('team=a', 'a=b\\,c', 'ctrl=a\u0001b', 'nl=a\nb', `long=${'v'.repeat(257)}`, 'ü=日本 語', 'aws:x=1', 'elbv2.k8s.aws/cluster=x', 'a*b=c', 'sp= x'),
    grow([10, 44, 46, 47, 48, 60]).map((n) => tags(n))),
  'load-balancer-attributes': fc.constantFrom('idle_timeout.timeout_seconds=60', 'idle_timeout.timeout_seconds=abc', 'idle_timeout.timeout_seconds=4001',
    'deletion_protection.enabled=true', 'access_logs.s3.enabled=true', 'access_logs.s3.enabled=true,access_logs.s3.bucket=my-logs', 'unknown.key=1',
    'routing.http2.enabled=TRUE', 'load_balancing.cross_zone.enabled=false', 'client_keep_alive.seconds=59', 'access_logs.s3.prefix=AWSLogs'),
  'target-group-attributes': fc.constantFrom('deregistration_delay.timeout_seconds=30', 'deregistration_delay.timeout_seconds=3601',
    'stickiness.enabled=true,stickiness.type=lb_cookie', 'stickiness.type=source_ip', 'slow_start.duration_seconds=10', 'preserve_client_ip.enabled=true',
    'load_balancing.algorithm.anomaly_mitigation=on', 'stickiness.app_cookie.cookie_name=AWSALBX'),
  'security-groups': fc.constantFrom('sg-1', 'sg-1,sg-2,sg-3,sg-4,sg-5,sg-6'),
  'group.name': fc.constantFrom('g', 'g', 'G!'),
  'group.order': fc.constantFrom('0', '-1000', '5', '1001'),
  'healthcheck-port': fc.constantFrom('traffic-port', '0', 'http', '99999', '8080'),
  'healthcheck-path': fc.constantFrom('/healthz', 'healthz', `/${'h'.repeat(1024)}`),
  'success-codes': fc.constantFrom('200', '200-299', '200-600', '0-99'),
  'backend-protocol-version': fc.constantFrom('HTTP1', 'GRPC', 'HTTP2'),
  'target-type': fc.constantFrom('ip', 'instance'),
  subnets: fc.constantFrom('public-a,public-b', 'subnet-0ccc000000000000c,subnet-0ddd000000000000d', 'nope'),
  'actions.act': fc.constantFrom(FORWARD_TWICE,
    '{"type":"redirect","redirectConfig":{"host":"x.org:8080","statusCode":"HTTP_301"}}',
    '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}',
    `{"type":"fixed-response","fixedResponseConfig":{"statusCode":"503","messageBody":"${'b'.repeat(1025)}"}}`,
    '{"type":"forward","targetGroupARN":"arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/x/0123456789abcdef"}'),
  'conditions.web': fc.constantFrom(
    conditions(hostValues(3)), conditions(hostValues(4)),
    conditions({ field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } }, { field: 'source-ip', sourceIpConfig: { values: ['192.168.0.0/16'] } }),
    conditions({ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Env', values: ['a\u0000b'] } }),
    conditions({ field: 'path-pattern', pathPatternConfig: { values: times(6, (i) => `/p${i}`) } }),
    conditions({ field: 'path-pattern', pathPatternConfig: { values: ['/*a*', '/*b*', '/*c*'] } }),
    conditions({ field: 'query-string', queryStringConfig: { values: [{ key: 'v*', value: '*' }, { value: '??' }] } }),
    conditions({ field: 'http-request-method', httpRequestMethodConfig: { values: ['GET'] } }, { field: 'http-request-method', httpRequestMethodConfig: { values: ['POST'] } })),
};
const KEYS = Object.keys(POOL);

const annotations: fc.Arbitrary<Record<string, string>> = fc.subarray(KEYS, { maxLength: 4 })
  .chain((keys) => fc.tuple(...keys.map((k) => POOL[k] as fc.Arbitrary<string>)).map((values) => Object.fromEntries(keys.map((k, i) => [A(k), values[i] as string]))));

/** wildcards mostly with ImplementationSpecific (Exact and Prefix refuse them: that is tried, but less often) */
const pathAndType = fc.option(PATHS, { nil: undefined, freq: 8 }).chain((path) => fc.record({
  path: fc.constant(path),
  pathType: path !== undefined && /[*?]/.test(path) ? fc.constantFrom('ImplementationSpecific', 'ImplementationSpecific', 'ImplementationSpecific', 'Prefix')
    : fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific', 'ImplementationSpecific'),
}));
const httpPath = fc.record({ pathAndType, service: fc.constantFrom(...BACKENDS) }).map(({ pathAndType: { path, pathType }, service }) => ({
  ...(path === undefined ? {} : { path }), pathType, backend: service === 'act' ? backend('act', 'use-annotation') : backend(service),
}));

const ingressRule = fc.record({ host: fc.option(HOSTS, { nil: undefined, freq: 6 }), paths: fc.array(httpPath, { minLength: 1, maxLength: 4 }) })
  .map(({ host, paths }) => ({ ...(host === undefined ? {} : { host }), http: { paths } }));

const ingressArb = (name: string) => fc.record({
  ns: fc.constantFrom('default', 'default', 'team-a'),
  className: fc.constantFrom('alb', 'alb', 'alb', 'with-params', 'nginx'),
  annotations,
  rules: fc.array(ingressRule, { maxLength: 3 }),
  defaultBackend: fc.option(fc.constantFrom(...BACKENDS.filter((b) => b !== 'act')), { nil: undefined, freq: 4 }),
  tls: fc.boolean(),
}).map((o) => ingressObject(name, o.ns, o.annotations, {
  ingressClassName: o.className, rules: o.rules,
  ...(o.defaultBackend ? { defaultBackend: backend(o.defaultBackend) } : {}),
  ...(o.tls ? { tls: [{ hosts: o.rules.map((r) => (r as { host?: string }).host).filter((h): h is string => h !== undefined) }] } : {}),
}));

/** IngressClassParams fields as an SRE could set them */
const paramsSpec = fc.record({
  inboundCIDRs: mostly(fc.constantFrom<readonly string[]>(['x', '10.0.0.0/33'], ['10.0.0.0/8'], ['::/0']), fc.constant(cidrs(61))),
  prefixListsIDs: mostly(fc.constantFrom<readonly string[]>(['pl-12345678'], ['my-list']), fc.constant(times(61, (i) => `pl-${i.toString(16).padStart(8, '0')}`))),
  certificateArn: mostly(fc.constantFrom<readonly string[]>([CERT(1)], ['bad']), fc.constant(times(27, CERT))),
  sslPolicy: fc.constantFrom('ELBSecurityPolicy-2016-08', 'custom'),
  tags: mostly(fc.constantFrom<readonly { key: string; value: string }[]>([{ key: 'team', value: 'a,b' }], [{ key: 'team', value: 'shop' }], [{ key: 'x ', value: 'y' }]), fc.constant(times(48, (i) => ({ key: `p${i}`, value: 'v' })))),
  loadBalancerAttributes: fc.constantFrom([{ key: 'idle_timeout.timeout_seconds', value: 'abc' }], [{ key: 'routing.http2.enabled', value: 'true' }], [{ key: 'nope', value: '1' }]),
  scheme: fc.constantFrom('internal', 'internet-facing'),
  group: fc.constant({ name: 'g' }),
}, { requiredKeys: [] });

// ---- whole manifests ------------------------------------------------------------------------

/** a few random Ingresses with hostile annotations, hosts and paths */
const everyday: fc.Arbitrary<Manifest> = fc.record({
  ingresses: fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...times(n, (i) => ingressArb(`ing-${i}`)))),
  params: fc.option(paramsSpec, { nil: undefined }),
}).map(({ ingresses, params }) => ({
  objects: [albClass('alb'), albClass('with-params', 'p'), ...(params ? [{ kind: 'IngressClassParams', metadata: { name: 'p' }, spec: params }] : []),
    ...SERVICES, ...ingresses],
  flags: [],
}));

const member = (name: string, order: number, annotations: Record<string, string>, paths: readonly Record<string, unknown>[], host = `${name}.example.com`) =>
  ingressObject(name, 'default', { [A('group.name')]: 'big', [A('group.order')]: String(order), ...annotations }, { ingressClassName: 'alb', rules: [{ host, http: { paths } }] });
const exact = (n: number, svc = 'web', prefix = 'p') => times(n, (i) => ({ path: `/${prefix}${i}`, pathType: 'Exact', backend: backend(svc) }));
const base = [albClass('alb'), ...SERVICES];
const quotaFlags = fc.constantFrom<readonly string[]>([], [], [], ['--max-rules-per-load-balancer=150'], ['--max-listeners-per-load-balancer=60'],
  ['--max-certificates-per-load-balancer=30'], ['--max-inbound-rules-per-security-group=100']);

/** groups sized around AWS's limits: rules, listeners, target groups, certificates, inbound rules, tags */
const atTheLimits: fc.Arbitrary<Manifest> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ sizes: fc.array(grow([10, 30, 50, 51, 99, 100, 101]), { minLength: 1, maxLength: 3 }), flags: quotaFlags, redirect: fc.boolean() })
    .map(({ sizes, flags, redirect }) => ({
      objects: [...base, ...sizes.map((n, i) => member(`r${i}`, i, redirect
        ? { [A('listen-ports')]: '[{"HTTP": 80}, {"HTTPS": 443}]', [A('certificate-arn')]: CERT(1), [A('ssl-redirect')]: '443' } : {}, exact(n, 'web', `m${i}-`)))],
      flags,
    })) },
  { weight: 3, arbitrary: fc.record({ sizes: fc.array(grow([1, 20, 30, 49, 50, 51]), { minLength: 1, maxLength: 3 }), flags: quotaFlags })
    .map(({ sizes, flags }) => ({ objects: [...base, ...sizes.map((n, i) => member(`l${i}`, i, { [A('listen-ports')]: ports(n, 8000 + 100 * i) }, exact(1)))], flags })) },
  { weight: 1, arbitrary: fc.record({ sizes: fc.array(grow([1, 40, 50, 60, 99, 100, 101]), { minLength: 1, maxLength: 3 }) }).filter(({ sizes }) => sizes.reduce((a, b) => a + b, 0) > 90).map(({ sizes }) => {
    const total = sizes.reduce((a, b) => a + b, 0);
    const services = times(total, (i) => serviceObject(`s${i}`, 'default', { nodePort: 30100 + i }));
    let next = 0;
    const members = sizes.map((n, i) => member(`t${i}`, i, {}, times(n, () => { const s = next++; return { path: `/s${s}`, pathType: 'Exact', backend: backend(`s${s}`) }; })));
    return { objects: [...base, ...services, ...members], flags: ['--max-rules-per-load-balancer=1000'] };
  }) },
  { weight: 3, arbitrary: fc.record({ sizes: fc.array(grow([1, 10, 20, 25, 26, 27]), { minLength: 1, maxLength: 3 }), https2: fc.boolean(), flags: quotaFlags }).map(({ sizes, https2, flags }) => {
    let next = 0;
    const listen = https2 ? '[{"HTTPS": 443}, {"HTTPS": 8443}]' : '[{"HTTPS": 443}]';
    return { objects: [...base, ...sizes.map((n, i) => member(`c${i}`, i, { [A('listen-ports')]: listen, [A('certificate-arn')]: times(n, () => CERT(next++)).join(',') }, exact(1)))], flags };
  }) },
  { weight: 3, arbitrary: fc.record({ n: grow([10, 29, 30, 31, 59, 60, 61]), portCount: grow([1, 2, 3]), dual: fc.boolean(), flags: quotaFlags }).map(({ n, portCount, dual, flags }) => ({
    objects: [...base, member('s0', 0, {
      [A('listen-ports')]: ports(portCount, 80), [A('inbound-cidrs')]: [...cidrs(n), ...(dual ? cidrs(n, true) : [])].join(','),
      ...(dual ? { [A('ip-address-type')]: 'dualstack' } : {}),
    }, exact(1))],
    flags,
  })) },
  { weight: 3, arbitrary: fc.record({ sizes: fc.array(grow([5, 20, 40, 44, 47, 48]), { minLength: 1, maxLength: 3 }), defaults: grow([0, 0, 3, 10]) }).map(({ sizes, defaults }) => {
    let next = 0;
    return {
      objects: [...base, ...sizes.map((n, i) => { const t = tags(n, next); next += n; return member(`g${i}`, i, { [A('tags')]: t }, exact(1)); })],
      flags: defaults > 0 ? [`--default-tags=${times(defaults, (i) => `d${i}=v`).join(',')}`] : [],
    };
  }) },
);

/**
 * The manifest with only the shared Services its Ingresses name (by namespace), so that the YAML stays small:
 * parsing it is most of the cost of a plan.
 */
function trimServices(m: Manifest): Manifest {
  const named = new Set<string>();
  for (const o of m.objects) {
    if (o['kind'] !== 'Ingress') continue;
    const ns = (o['metadata'] as { namespace: string }).namespace;
    const text = JSON.stringify(o);
    for (const match of text.matchAll(/"(?:name|serviceName)\\?":\\?"([a-z0-9-]+)\\?"/g)) named.add(`${ns}/${match[1]}`);
  }
  const shared = new Set<unknown>(SERVICES);
  return { ...m, objects: m.objects.filter((o) => !shared.has(o) || named.has(`${(o['metadata'] as { namespace: string }).namespace}/${(o['metadata'] as { name: string }).name}`)) };
}

/** the generator of the corpus: mostly everyday hostility, a quarter sized around AWS's limits */
export const hostileManifest: fc.Arbitrary<Manifest> = fc.oneof({ weight: 3, arbitrary: everyday }, { weight: 1, arbitrary: atTheLimits }).map(trimServices);

const ing = (name: string, annotations: Record<string, string>, spec: Record<string, unknown> = {}) =>
  ingressObject(name, 'default', annotations, { ingressClassName: 'alb', rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web') }] } }], ...spec });
const params = (spec: Record<string, unknown>) => [albClass('with-params', 'p'), { kind: 'IngressClassParams', metadata: { name: 'p' }, spec },
  ingressObject('classy', 'default', {}, { ingressClassName: 'with-params', rules: [{ host: 'classy.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web') }] } }] })];

/** one hand-written manifest per case of issue 9, point 4, and a few more */
export const HAND_CASES: readonly { readonly name: string; readonly manifest: Manifest }[] = [
  { name: '101 rules on one ALB', manifest: { objects: [...base, member('a', 0, {}, exact(60)), member('b', 1, {}, exact(41, 'web', 'q'))], flags: [] } },
  { name: '6 condition values in one rule', manifest: { objects: [...base, ing('a', { [A('conditions.web')]: conditions(hostValues(4)) })], flags: [] } },
  { name: '6 wildcards in one rule', manifest: { objects: [...base, ingressObject('a', 'default', {}, { ingressClassName: 'alb', rules: [{ host: '*.example.com', http: { paths: [{ path: '/a*/b*/c*/d*/e*', pathType: 'ImplementationSpecific', backend: backend('web') }] } }] })], flags: [] } },
  { name: '51 listeners', manifest: { objects: [...base, ing('a', { [A('listen-ports')]: ports(51) })], flags: [] } },
  { name: '101 target groups', manifest: { objects: [...base, ...times(101, (i) => serviceObject(`s${i}`, 'default', { nodePort: 30100 + i })),
    ingressObject('a', 'default', {}, { ingressClassName: 'alb', rules: [{ host: 'a.example.com', http: { paths: times(101, (i) => ({ path: `/s${i}`, pathType: 'Exact', backend: backend(`s${i}`) })) } }] })],
  flags: ['--max-rules-per-load-balancer=500'] } },
  { name: '27 certificates on one listener', manifest: { objects: [...base, ing('a', { [A('certificate-arn')]: times(27, CERT).join(',') })], flags: [] } },
  { name: '61 inbound rules', manifest: { objects: [...base, ing('a', { [A('inbound-cidrs')]: cidrs(61).join(',') })], flags: [] } },
  { name: '48 tags plus the 3 of the controller', manifest: { objects: [...base, ing('a', { [A('tags')]: tags(48) })], flags: [] } },
  { name: 'a tag value of 257 characters', manifest: { objects: [...base, ing('a', { [A('tags')]: `k=${'v'.repeat(257)}` })], flags: [] } },
  { name: 'a tag value with a control character', manifest: { objects: [...base, ing('a', { [A('tags')]: 'k=a\u0007b' })], flags: [] } },
  { name: 'a path with a space', manifest: { objects: [...base, ingressObject('a', 'default', {}, { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/a b', pathType: 'Prefix', backend: backend('web') }] } }] })], flags: [] } },
  { name: 'a Prefix path of 127 characters', manifest: { objects: [...base, ingressObject('a', 'default', {}, { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: `/${'p'.repeat(126)}`, pathType: 'Prefix', backend: backend('web') }] } }] })], flags: [] } },
  { name: 'a host of 129 characters', manifest: { objects: [...base, ingressObject('a', 'default', {}, { ingressClassName: 'alb', rules: [{ host: `${'h'.repeat(125)}.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web') }] } }] })], flags: [] } },
  { name: 'a host with a port', manifest: { objects: [...base, ingressObject('a', 'default', {}, { ingressClassName: 'alb', rules: [{ host: 'a.example.com:8080', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web') }] } }] })], flags: [] } },
  { name: 'idle_timeout.timeout_seconds=abc', manifest: { objects: [...base, ing('a', { [A('load-balancer-attributes')]: 'idle_timeout.timeout_seconds=abc' })], flags: [] } },
  { name: 'deregistration_delay.timeout_seconds=3601', manifest: { objects: [...base, ing('a', { [A('target-group-attributes')]: 'deregistration_delay.timeout_seconds=3601' })], flags: [] } },
  { name: 'an unknown load balancer attribute', manifest: { objects: [...base, ing('a', { [A('load-balancer-attributes')]: 'idle_timeout.timeout_second=60' })], flags: [] } },
  { name: 'the same target group twice in one forward', manifest: { objects: [...base, ingressObject('a', 'default', { [A('actions.act')]: FORWARD_TWICE },
    { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('act', 'use-annotation') }] } }] })], flags: [] } },
  { name: 'a Service with nodePort -1', manifest: { objects: [...base, ingressObject('a', 'default', {}, { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('neg') }] } }] })], flags: [] } },
  { name: 'IngressClassParams inboundCIDRs ["x", "10.0.0.0/33"]', manifest: { objects: [...base, ...params({ inboundCIDRs: ['x', '10.0.0.0/33'] })], flags: [] } },
  { name: 'IngressClassParams tags with a comma', manifest: { objects: [...base, ...params({ tags: [{ key: 'team', value: 'a,b' }] })], flags: [] } },
  { name: 'IngressClassParams 61 prefix lists', manifest: { objects: [...base, ...params({ prefixListsIDs: times(61, (i) => `pl-${i.toString(16).padStart(8, '0')}`) })], flags: [] } },
  { name: 'IngressClassParams attribute abc', manifest: { objects: [...base, ...params({ loadBalancerAttributes: [{ key: 'idle_timeout.timeout_seconds', value: 'abc' }] })], flags: [] } },
  { name: 'IngressClassParams custom SSL policy', manifest: { objects: [...base, ...params({ sslPolicy: 'custom' })], flags: [] } },
  { name: 'two source-ip conditions', manifest: { objects: [...base, ing('a', { [A('conditions.web')]: conditions(
    { field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } }, { field: 'source-ip', sourceIpConfig: { values: ['192.168.0.0/16'] } }) })], flags: [] } },
  { name: 'a default tag with a semicolon (a flag error, exit 1)', manifest: { objects: [...base, ing('a', {})], flags: ['--default-tags=team=a;b'] } },
  { name: 'a raised rules quota lets 101 rules in', manifest: { objects: [...base, member('a', 0, {}, exact(60)), member('b', 1, {}, exact(41, 'web', 'q'))], flags: ['--max-rules-per-load-balancer=101'] } },
];
