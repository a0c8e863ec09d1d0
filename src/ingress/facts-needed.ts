// Which optional facts a build could not do without. The controller builds first with the facts every
// group needs (VPC, subnets) and fetches certificates or security-group names only when the result
// still holds an Unknown for them: an HTTP-only Ingress costs no ACM call. The shared backend security group is
// one more such fact: read (plan --live) or ensured (the controller) only when a stack uses it and its ID is unknown.
import { unknownsIn, type Stack } from '../model/index.ts';

export interface OptionalFacts {
  readonly certificates: boolean;
  readonly securityGroups: boolean;
  readonly backendSecurityGroup: boolean;
}

export function optionalFactsNeeded(stacks: readonly Stack[]): OptionalFacts {
  const unknowns = stacks.flatMap((s) => unknownsIn(s.resources));
  return {
    certificates: unknowns.some((u) => u.startsWith('discovery:certificate:')),
    securityGroups: unknowns.some((u) => u.startsWith('discovery:security-group:')),
    backendSecurityGroup: unknowns.some((u) => u.startsWith('discovery:backend-security-group:')),
  };
}
