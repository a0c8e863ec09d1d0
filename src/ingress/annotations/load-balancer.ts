// Load-balancer and listener annotations, read from the Ingress only. Group merging (Exclusive /
// Merge) and defaults happen in the builder; here each value is parsed and validated on its own.
import { atMost, CAPS, capReason } from '../caps.ts';
import type { AnnotatedObject, IngressAnnotations, ListenPort, Parsed } from './index.ts';
import { array, at, expected, fault, json, object } from './json.ts';
import { unsupportedAnnotations } from './unsupported.ts';
import { wafv2AclArn, wafv2AclName } from './web-acl.ts';
import { mutualAuthentication } from './mutual-auth.ts';
import type { Issue } from '../../model/index.ts';
import { listenerAttributeProblem, loadBalancerAttributeProblem, loadBalancerAttributesProblem } from './attributes.ts';
import {
  PREFIX, bool, capacityUnits, certificateArn, cidr, coipPoolId, has, ipamPoolId, ok, pcaArn, int32, issue, matching, oneOf, port, prefixListId, readOne, readTable, refine, show, sslPolicy, stringList, stringMap, tags, text, type Table,
} from './values.ts';

const LISTEN_PORTS_EXAMPLE = '[{"HTTP": 80}, {"HTTPS": 443}]';

/** `[{"HTTP": 80}, {"HTTPS": 443}]` (or `[{"HTTP": 80, "HTTPS": 443}]`): every protocol/port pair of every object; a port keeps one protocol */
const listenPorts = json((v): ListenPort[] => {
  const items = array(v, '', `a JSON array such as ${LISTEN_PORTS_EXAMPLE}`);
  if (items.length === 0) fault('', `expected at least one port, such as ${LISTEN_PORTS_EXAMPLE}`);
  const out = new Map<number, ListenPort>();
  items.forEach((item, i) => {
    const path = at('', i);
    const entries = Object.entries(object(item, path, 'an object such as {"HTTPS": 443}').fields);
    if (entries.length === 0) fault(path, 'expected at least one "PROTOCOL": port pair, got an empty object');
    for (const [protocol, p] of entries) {
      if (protocol !== 'HTTP' && protocol !== 'HTTPS') expected(path, 'protocol HTTP or HTTPS', protocol);
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) expected(at(path, protocol), 'a port in [1, 65535]', p);
      const clash = out.get(p);
      if (clash !== undefined && clash.protocol !== protocol) fault(path, `port ${p} is listed as both ${clash.protocol} and ${protocol}`);
      if (clash === undefined) out.set(p, { protocol, port: p });
      // stop at the first port too many: each is a listener
      if (out.size > CAPS.listeners.max) fault('', capReason(`over ${CAPS.listeners.max}`, 'listen ports', CAPS.listeners));
    }
  });
  return [...out.values()];
});

/** an IngressGroup name (also IngressClassParams spec.group.name), at most GROUP_NAME_MAX characters */
export const GROUP_NAME = /^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$/;
export const GROUP_NAME_MAX = 63;
export const GROUP_NAME_RULE = 'at most 63 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';
/** an explicit load balancer name (also IngressClassParams spec.loadBalancerName), at most LB_NAME_MAX characters */
export const LB_NAME = /^(?!internal-)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
export const LB_NAME_MAX = 32;
export const LB_NAME_RULE = 'at most 32 letters, digits and hyphens, not starting or ending with a hyphen, nor starting with "internal-"';

/** one row per annotation; listener-attributes.<PROTOCOL>-<port> is a family of keys, read by parseListenerAttributes */
export const INGRESS_TABLE: Table<Omit<IngressAnnotations, 'listenerAttributes'>> = {
  groupName: ['group.name', matching(GROUP_NAME, GROUP_NAME_RULE, GROUP_NAME_MAX)],
  groupOrder: ['group.order', int32(-1000, 1000)],
  loadBalancerName: ['load-balancer-name', matching(LB_NAME, LB_NAME_RULE, LB_NAME_MAX)],
  scheme: ['scheme', oneOf(['internal', 'internet-facing'] as const)],
  ipAddressType: ['ip-address-type', oneOf(['ipv4', 'dualstack', 'dualstack-without-public-ipv4'] as const)],
  subnets: ['subnets', stringList()],
  securityGroups: ['security-groups', stringList()],
  manageBackendSecurityGroupRules: ['manage-backend-security-group-rules', bool],
  inboundCidrs: ['inbound-cidrs', refine(stringList(cidr), atMost(CAPS.sourcesPerSecurityGroup, 'CIDRs'))],
  prefixLists: ['security-group-prefix-lists', refine(stringList(prefixListId), atMost(CAPS.sourcesPerSecurityGroup, 'prefix lists'))],
  listenPorts: ['listen-ports', listenPorts],
  sslRedirect: ['ssl-redirect', port],
  certificateArns: ['certificate-arn', stringList(certificateArn)],
  createAcmCert: ['create-acm-cert', bool],
  acmPcaArn: ['acm-pca-arn', refine(text('a private certificate authority ARN'), pcaArn)],
  sslPolicy: ['ssl-policy', refine(text('a security policy name such as ELBSecurityPolicy-TLS13-1-2-2021-06'), sslPolicy)],
  loadBalancerAttributes: ['load-balancer-attributes', refine(stringMap(loadBalancerAttributeProblem), loadBalancerAttributesProblem)],
  tags: ['tags', tags],
  useRegexPathMatch: ['use-regex-path-match', bool],
  wafv2AclArn: ['wafv2-acl-arn', wafv2AclArn],
  wafv2AclName: ['wafv2-acl-name', wafv2AclName],
  shieldAdvancedProtection: ['shield-advanced-protection', bool],
  minimumLoadBalancerCapacity: ['minimum-load-balancer-capacity', capacityUnits],
  mutualAuthentication: ['mutual-authentication', mutualAuthentication],
  // upstream reads an empty pool ID as no pool
  ipamIpv4PoolId: ['ipam-ipv4-pool-id', (raw) => (raw === '' ? ok(raw) : refine(text(), ipamPoolId)(raw))],
  // upstream refuses an empty value
  customerOwnedIpv4Pool: ['customer-owned-ipv4-pool', refine(text('a customer-owned IPv4 pool ID such as ipv4pool-coip-0123456789abcdef0'), coipPoolId)],
};

/** listener-attributes.<PROTOCOL>-<port>: one annotation per listener, named after its protocol and port as listen-ports gives them */
export const LISTENER_ATTRIBUTES_PREFIX = 'listener-attributes.';
const LISTENER_ATTRIBUTES_TAIL = /^(HTTP|HTTPS)-([0-9]{1,5})$/;

/** every listener-attributes.* annotation, by listener ("HTTPS-443"); a tail naming no possible listener is refused */
function parseListenerAttributes(ing: AnnotatedObject): Parsed<Record<string, Record<string, string>>> {
  const value: Record<string, Record<string, string>> = {};
  const issues: Issue[] = [];
  for (const key of Object.keys(ing.annotations)) {
    if (!key.startsWith(PREFIX + LISTENER_ATTRIBUTES_PREFIX)) continue;
    const suffix = key.slice(PREFIX.length);
    const tail = suffix.slice(LISTENER_ATTRIBUTES_PREFIX.length);
    const m = LISTENER_ATTRIBUTES_TAIL.exec(tail);
    const n = Number(m?.[2]);
    if (!m || n < 1 || n > 65535) {
      issues.push(issue(ing.ref, suffix, `expected listener-attributes.<PROTOCOL>-<port> with PROTOCOL HTTP or HTTPS and a port in [1, 65535], got ${show(tail)}`));
      continue;
    }
    const r = readOne(ing, suffix, stringMap(listenerAttributeProblem));
    if (!r.ok) issues.push(issue(ing.ref, suffix, r.reason));
    else if (Object.keys(r.value).length > 0) value[tail] = r.value;
  }
  return { value, issues };
}

export function parseIngressAnnotations(ing: AnnotatedObject): Parsed<IngressAnnotations> {
  const { value, issues } = readTable(INGRESS_TABLE, (key) => (has(ing, key) ? ing : undefined));
  const listeners = parseListenerAttributes(ing);
  return {
    value: { ...value, ...(Object.keys(listeners.value).length > 0 ? { listenerAttributes: listeners.value } : {}) },
    issues: [...issues, ...listeners.issues, ...unsupportedAnnotations(ing)],
  };
}
