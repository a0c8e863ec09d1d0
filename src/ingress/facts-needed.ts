// Which optional facts a build could not do without. The controller builds first with the facts every
// group needs (VPC, subnets) and fetches certificates or security-group names only when the result
// still holds an Unknown for them: an HTTP-only Ingress costs no ACM call.
import { unknownsIn, type Stack } from '../model/index.ts';

export interface OptionalFacts {
  readonly certificates: boolean;
  readonly securityGroups: boolean;
}

export function optionalFactsNeeded(stacks: readonly Stack[]): OptionalFacts {
  const unknowns = stacks.flatMap((s) => unknownsIn(s.resources));
  return {
    certificates: unknowns.some((u) => u.startsWith('discovery:certificate:')),
    securityGroups: unknowns.some((u) => u.startsWith('discovery:security-group:')),
  };
}
