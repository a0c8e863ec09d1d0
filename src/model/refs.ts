// Values that are not known while planning.
//
// A Ref points at a field of another resource in the same stack (an ARN that exists only after that
// resource is created). An Unknown stands for a fact discovery would supply (a VPC ID, a subnet list,
// a certificate ARN) when the plan runs without discovery. Apply resolves Refs as creates return;
// it refuses to run a plan that still holds an Unknown.

export type ResourceKind = 'LoadBalancer' | 'Listener' | 'ListenerRule' | 'TargetGroup' | 'TargetGroupBinding' | 'SecurityGroup';

export interface Ref {
  readonly $ref: { readonly kind: ResourceKind; readonly id: string };
  readonly field: 'arn' | 'dnsName' | 'groupId';
}

export interface Unknown {
  /** what would supply the value, e.g. "discovery:vpc" or "discovery:certificate:shop.example.com" */
  readonly $unknown: string;
}

export type Known<T> = T | Unknown;
export type ArnOrRef = string | Ref;

export const ref = (kind: ResourceKind, id: string, field: Ref['field'] = 'arn'): Ref => ({ $ref: { kind, id }, field });
export const unknown = (what: string): Unknown => ({ $unknown: what });

export const isRef = (v: unknown): v is Ref => typeof v === 'object' && v !== null && '$ref' in v;
export const isUnknown = (v: unknown): v is Unknown => typeof v === 'object' && v !== null && '$unknown' in v;

/** every Unknown's "what" inside a value (a stack, a spec), depth first */
export function unknownsIn(value: unknown, out: string[] = []): string[] {
  if (isUnknown(value)) out.push(value.$unknown);
  else if (Array.isArray(value)) for (const v of value) unknownsIn(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) unknownsIn(v, out);
  return out;
}
