// Upstream annotations we do not implement yet. Ignoring them silently would serve an Ingress without
// the authentication, firewall or routing its author asked for, so each one is an error on that
// Ingress instead; values that ask for nothing ("none", "false") are accepted.
import type { Issue } from '../../model/index.ts';
import type { AnnotatedObject } from './index.ts';
import { PREFIX } from './values.ts';

const UNSUPPORTED: readonly { readonly suffix: string; readonly harmless?: readonly string[] }[] = [
  { suffix: 'auth-type', harmless: ['none'] },
  { suffix: 'auth-idp-cognito' }, { suffix: 'auth-idp-oidc' }, { suffix: 'auth-on-unauthenticated-request' },
  { suffix: 'auth-scope' }, { suffix: 'auth-session-cookie' }, { suffix: 'auth-session-timeout' },
  { suffix: 'jwt-validation' },
  { suffix: 'wafv2-acl-arn' }, { suffix: 'wafv2-acl-name' }, { suffix: 'waf-acl-id' }, { suffix: 'web-acl-id' },
  { suffix: 'shield-advanced-protection', harmless: ['false'] },
  { suffix: 'mutual-authentication' },
  { suffix: 'security-group-prefix-lists' },
  { suffix: 'use-regex-path-match', harmless: ['false'] },
  { suffix: 'create-acm-cert', harmless: ['false'] },
  { suffix: 'enable-frontend-nlb', harmless: ['false'] },
  { suffix: 'customer-owned-ipv4-pool' }, { suffix: 'ipam-ipv4-pool-id' },
  { suffix: 'minimum-load-balancer-capacity' },
  { suffix: 'multi-cluster-target-group', harmless: ['false'] },
];

/** prefixes of per-name annotations we do not implement (transforms.<name>, listener-attributes.<PROTO>-<PORT>) */
const UNSUPPORTED_PREFIXES: readonly string[] = ['transforms.', 'listener-attributes.'];

export function unsupportedAnnotations(obj: AnnotatedObject): Issue[] {
  const issues: Issue[] = [];
  for (const [key, raw] of Object.entries(obj.annotations)) {
    if (!key.startsWith(PREFIX)) continue;
    const suffix = key.slice(PREFIX.length);
    const known = UNSUPPORTED.find((u) => u.suffix === suffix);
    const value = String(raw).trim().toLowerCase();
    if (known ? known.harmless?.includes(value) : !UNSUPPORTED_PREFIXES.some((p) => suffix.startsWith(p))) continue;
    issues.push({
      object: obj.ref, field: key, code: 'UnsupportedAnnotation',
      reason: `${suffix} is not supported by this controller yet; remove it, or keep this Ingress on the upstream controller (ignoring it would change how traffic is served)`,
    });
  }
  return issues;
}
