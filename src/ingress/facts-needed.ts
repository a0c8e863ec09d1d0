// Which optional facts a build could not do without. The controller builds first with the facts every
// group needs (VPC, subnets) and fetches certificates or security-group names only when the result
// still holds an Unknown for them: an HTTP-only Ingress costs no ACM call. The shared backend security group is
// one more such fact: read (plan --live) or ensured (the controller) only when a stack uses it and its ID is unknown.
import { ACM_CERTIFICATE_UNKNOWN } from './acm-certificates.ts';
import { METADATA_UID, OIDC_SECRET_UNKNOWN } from './build-auth.ts';
import { WEB_ACL_UNKNOWN } from './build-load-balancer.ts';
import { TRUST_STORE_UNKNOWN } from './build-listeners.ts';
import { unknownsIn, type Stack } from '../model/index.ts';

export interface OptionalFacts {
  readonly certificates: boolean;
  readonly securityGroups: boolean;
  readonly backendSecurityGroup: boolean;
  /** a wafv2-acl-name (or IngressClassParams wafv2AclName) to resolve: the regional web ACLs are listed */
  readonly webAcls: boolean;
  /** create-acm-cert: the certificates this controller requested (plan --live reads them; the controller always does) */
  readonly managedCertificates: boolean;
  /** mutual-authentication trust stores given by name, to look up with DescribeTrustStores (sorted; empty: none) */
  readonly trustStoreNames: readonly string[];
}

export function optionalFactsNeeded(stacks: readonly Stack[]): OptionalFacts {
  const unknowns = stacks.flatMap((s) => unknownsIn(s.resources));
  return {
    certificates: unknowns.some((u) => u.startsWith('discovery:certificate:')),
    securityGroups: unknowns.some((u) => u.startsWith('discovery:security-group:')),
    backendSecurityGroup: unknowns.some((u) => u.startsWith('discovery:backend-security-group:')),
    webAcls: unknowns.some((u) => u.startsWith(WEB_ACL_UNKNOWN)),
    managedCertificates: unknowns.some((u) => u.startsWith(ACM_CERTIFICATE_UNKNOWN)),
    trustStoreNames: [...new Set(unknowns.filter((u) => u.startsWith(TRUST_STORE_UNKNOWN)).map((u) => u.slice(TRUST_STORE_UNKNOWN.length)))].sort(),
  };
}

/** the OIDC client Secrets ("namespace/name") the stacks' authenticate-oidc actions wait for (build-auth.ts) */
export function oidcSecretsNeeded(stacks: readonly Stack[]): string[] {
  const secrets = stacks.flatMap((s) => unknownsIn(s.resources))
    .filter((u) => u.startsWith(OIDC_SECRET_UNKNOWN) && !u.endsWith(METADATA_UID))
    .map((u) => u.slice(OIDC_SECRET_UNKNOWN.length));
  return [...new Set(secrets)].sort();
}
