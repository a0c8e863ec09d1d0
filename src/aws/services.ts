// The AWS services the controller talks to, and the names users may give them in --aws-api-endpoints and
// --aws-api-throttle. Upstream (AWS SDK for Go v2) keys both flags by the SDK service ID ("Elastic Load
// Balancing v2", "EC2", "ACM", "Resource Groups Tagging API"); releases built on SDK v1 keyed endpoints by
// the endpoint prefix ("elasticloadbalancing", "ec2", "acm", "tagging"). Both spellings are accepted,
// case-insensitively, so a flag copied from either release keeps working.

export type ServiceKey = 'elbv2' | 'ec2' | 'acm' | 'tagging' | 'wafv2' | 'shield';

export const SERVICE_KEYS: readonly ServiceKey[] = ['elbv2', 'ec2', 'acm', 'tagging', 'wafv2', 'shield'];

/** the SDK service ID, as upstream documents it */
export const SERVICE_IDS: Readonly<Record<ServiceKey, string>> = {
  elbv2: 'Elastic Load Balancing v2',
  ec2: 'EC2',
  acm: 'ACM',
  tagging: 'Resource Groups Tagging API',
  wafv2: 'WAFV2',
  shield: 'Shield',
};

const ALIASES: Readonly<Record<ServiceKey, readonly string[]>> = {
  elbv2: ['elastic load balancing v2', 'elasticloadbalancing', 'elasticloadbalancingv2', 'elbv2'],
  ec2: ['ec2'],
  acm: ['acm'],
  tagging: ['resource groups tagging api', 'tagging', 'resourcegroupstaggingapi'],
  wafv2: ['wafv2'],
  shield: ['shield'],
};

/** services upstream configures that this controller does not call (yet); accepted and ignored */
const KNOWN_UNUSED = ['waf regional', 'waf-regional', 'wafregional', 'sts', 'global accelerator',
  'globalaccelerator', 'iam', 'route 53', 'route53', 'eks'];

export type ServiceLookup = { readonly kind: 'used'; readonly key: ServiceKey } | { readonly kind: 'unused' } | { readonly kind: 'unknown' };

export function lookupService(id: string): ServiceLookup {
  const norm = id.trim().toLowerCase();
  for (const key of SERVICE_KEYS) {
    if (ALIASES[key].includes(norm)) return { kind: 'used', key };
  }
  return KNOWN_UNUSED.includes(norm) ? { kind: 'unused' } : { kind: 'unknown' };
}

export const acceptedServiceIds = (): string =>
  SERVICE_KEYS.map((k) => `"${SERVICE_IDS[k]}" (or "${ALIASES[k].find((a) => !a.includes(' '))}")`).join(', ');
