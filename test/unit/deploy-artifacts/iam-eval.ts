// A small IAM policy evaluator for the tests: Allow statements only (our policies have no Deny), exact actions,
// ARN patterns with * and ?, and the condition operators our policies use (StringEquals, Null,
// ForAllValues:StringNotEquals), with IAM's rules for absent keys. Enough to ask "does this policy let this
// request through?" for the requests the controller sends; not a general IAM implementation.
import assert from 'node:assert/strict';

export type ConditionBlock = Record<string, Record<string, string | readonly string[]>>;
export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: ConditionBlock;
}
export interface Policy { readonly Version: string; readonly Statement: readonly Statement[] }

/** one authorization: an action on one resource, with the request context (tags as aws:ResourceTag/…, etc.) */
export interface AuthRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export const asList = <T>(v: T | readonly T[]): readonly T[] => (Array.isArray(v) ? v : [v as T]);

const glob = (pattern: string): RegExp => new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`);

function conditionHolds(op: string, key: string, expected: string | readonly string[], context: AuthRequest['context']): boolean {
  const actual = context[key];
  const want = asList(expected);
  switch (op) {
    case 'StringEquals':
      // a single-valued key: absent never matches
      return actual !== undefined && !Array.isArray(actual) && want.includes(actual as string);
    case 'Null':
      assert.equal(want.length, 1, `Null ${key} takes one value`);
      return want[0] === 'true' ? actual === undefined : actual !== undefined;
    case 'ForAllValues:StringNotEquals':
      // every value of a multi-valued key (none: true, as IAM evaluates an absent key here)
      return asList(actual ?? []).every((v) => !want.includes(v));
    default:
      throw new Error(`the test evaluator does not know condition operator ${op}`);
  }
}

/** the statements that allow this request (empty: denied) */
export function allowingStatements(policy: Policy, req: AuthRequest): Statement[] {
  return policy.Statement.filter((s) => s.Effect === 'Allow'
    && asList(s.Action).includes(req.action)
    && asList(s.Resource).some((r) => glob(r).test(req.resource))
    && Object.entries(s.Condition ?? {}).every(([op, keys]) => Object.entries(keys).every(([k, v]) => conditionHolds(op, k, v, req.context))));
}

export const allows = (policy: Policy, req: AuthRequest): boolean => allowingStatements(policy, req).length > 0;
