// The values that choose a load balancer's WAFv2 web ACL, from annotations and
// IngressClassParams alike. Upstream's rules: an empty value means "not set" (whatever AWS has stays), "none"
// means "no web ACL" (the association is removed).
import { type Shape, fail, ok, show } from './values.ts';

/** the value that removes the association */
export const NONE = 'none';

/** a regional WAFv2 web ACL ARN (CloudFront ACLs cannot be associated with an ALB) */
export const WAFV2_ACL_ARN = /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[\w-]{1,128}\/[0-9a-f-]{1,64}$/;
/** a WAFv2 web ACL name (AWS: 1–128 characters, letters, digits, "_" and "-") */
export const WAFV2_ACL_NAME = /^[\w-]{1,128}$/;

const WAFV2_ARN_RULE = 'a regional WAFv2 web ACL ARN such as arn:aws:wafv2:us-east-1:123456789012:regional/webacl/NAME/ID, or "none"';
const WAFV2_NAME_RULE = 'a WAFv2 web ACL name (1-128 letters, digits, "_" and "-"), or "none"';

/** the problem with a value, or undefined when it is "", "none" or matches */
const problem = (re: RegExp, rule: string) => (raw: string): string | undefined =>
  (raw === '' || raw === NONE || re.test(raw) ? undefined : `expected ${rule}, got ${show(raw)}`);

export const wafv2AclArnProblem = problem(WAFV2_ACL_ARN, WAFV2_ARN_RULE);
export const wafv2AclNameProblem = problem(WAFV2_ACL_NAME, WAFV2_NAME_RULE);

const shape = (check: (raw: string) => string | undefined): Shape<string> => (raw) => {
  const reason = check(raw);
  return reason === undefined ? ok(raw) : fail(reason);
};

export const wafv2AclArn = shape(wafv2AclArnProblem);
export const wafv2AclName = shape(wafv2AclNameProblem);
