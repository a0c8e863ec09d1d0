// The TargetGroupBinding admission webhooks, upstream's semantics plus ownership (ADR 7):
//
//   mutate   (CREATE) fill what the binding leaves unset from the target group: targetGroupARN from
//            targetGroupName, targetType, ipAddressType, vpcID, targetGroupProtocol;
//   validate (CREATE) the rules of targets/binding-policy.ts against the target group and every binding the
//            controller sees: spec alone, owner tags and the claim, one binding per target group, agreement with
//            the target group; targetType is required (the mutator sets it);
//            (UPDATE) upstream's immutable fields (ARN, targetType, ipAddressType, vpcID) and the spec-alone
//            rules; no AWS read: an update cannot change the target group, so who holds it cannot change either.
//
// A binding being deleted is only held to immutability, so its finalizer can always be removed. Anything the
// webhook cannot decide (AWS unreachable, a request it cannot read) is a denial: the chart registers these
// webhooks with failurePolicy Fail, and the controller applies the same rules again in any case.
import type { TargetGroupFacts } from '../aws/target-groups.ts';
import type { JsonPatchOp } from '../k8s/client.ts';
import type { TargetGroupBinding, TargetGroupBindingWireSpec } from '../k8s/types.ts';
import { errorMessage, type Logger } from '../server/log.ts';
import {
  admit, defaultsFromTargetGroup, immutableChanges, nodeSelectorRefusal, refusalText, specRefusals, type Refusal,
} from '../targets/binding-policy.ts';
import { allow, allowPatched, deny, requestOf, type AdmissionReview } from './admission.ts';

export const MUTATE_TGB_PATH = '/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding';
export const VALIDATE_TGB_PATH = '/validate-elbv2-k8s-aws-v1beta1-targetgroupbinding';

export interface BindingAdmissionDeps {
  readonly targetGroups: {
    byArn(arn: string): Promise<TargetGroupFacts | undefined>;
    byName(name: string): Promise<TargetGroupFacts | undefined>;
  };
  /** every TargetGroupBinding the controller sees (its informer cache) */
  readonly bindings: () => readonly TargetGroupBinding[];
  readonly clusterName: string;
  /** --aws-vpc-id: an unset vpcID means this VPC, so setting it to this later is no change */
  readonly clusterVpcId?: string;
  readonly log?: Logger;
}

const nameOf = (b: TargetGroupBinding | undefined): string => `${b?.metadata?.namespace ?? ''}/${b?.metadata?.name ?? ''}`;

const denial = (uid: string, b: TargetGroupBinding | undefined, refusals: readonly Refusal[]): AdmissionReview =>
  deny(uid, `TargetGroupBinding ${nameOf(b)}: ${refusalText(refusals)}`);

/** the target group a binding names, or a denial */
async function targetGroupOf(uid: string, b: TargetGroupBinding, deps: BindingAdmissionDeps): Promise<TargetGroupFacts | AdmissionReview> {
  const { targetGroupARN: arn, targetGroupName: name } = b.spec;
  const field = arn ? 'spec.targetGroupARN' : 'spec.targetGroupName';
  let tg: TargetGroupFacts | undefined;
  try {
    tg = arn ? await deps.targetGroups.byArn(arn) : await deps.targetGroups.byName(name ?? '');
  } catch (err) {
    deps.log?.warn('binding webhook: target group not read', { binding: nameOf(b), error: errorMessage(err) });
    return denial(uid, b, [{ field, code: 'TargetGroupNotRead', message: `could not read target group ${arn ?? `"${name ?? ''}"`}: ${errorMessage(err)}` }]);
  }
  return tg ?? denial(uid, b, [{ field, code: 'TargetGroupNotFound', message: `no target group ${arn ?? `named "${name ?? ''}"`} in this account and region` }]);
}

/** the mutating webhook: defaults from the target group on CREATE (nothing on UPDATE, as upstream) */
export async function mutateBinding(body: unknown, deps: BindingAdmissionDeps): Promise<AdmissionReview> {
  const req = requestOf<TargetGroupBinding>(body);
  const uid = req.uid ?? '';
  const b = req.object;
  if (req.operation !== 'CREATE' || !b?.spec) return allow(uid);
  // the validator refuses these with the precise reason; nothing to look up for them
  if (specRefusals(b.spec).length > 0) return allow(uid);
  const tg = await targetGroupOf(uid, b, deps);
  if ('response' in tg) return tg;
  const defaults = defaultsFromTargetGroup(b.spec, tg);
  const ops: JsonPatchOp[] = Object.entries(defaults).map(([k, value]) => ({ op: 'add', path: `/spec/${k}`, value }));
  return allowPatched(uid, ops);
}

/** the validating webhook */
export async function validateBinding(body: unknown, deps: BindingAdmissionDeps): Promise<AdmissionReview> {
  const req = requestOf<TargetGroupBinding>(body);
  const uid = req.uid ?? '';
  const b = req.object;
  if (req.operation === 'DELETE' || req.operation === 'CONNECT') return allow(uid);
  if ((req.operation !== 'CREATE' && req.operation !== 'UPDATE') || !b?.spec) return deny(uid, 'not an AdmissionReview of a TargetGroupBinding create or update', 400);

  if (req.operation === 'UPDATE') {
    const old = req.oldObject;
    if (!old?.spec) return deny(uid, 'the update carries no previous TargetGroupBinding', 400);
    const changed = immutableChanges(b.spec, old.spec, deps.clusterVpcId);
    if (changed.length > 0) {
      return denial(uid, b, changed.map((field) => ({ field, code: 'ImmutableField', message: 'cannot change: delete the binding and create a new one' })));
    }
    if (b.metadata?.deletionTimestamp) return allow(uid);
    const refusals = [...specRefusals(b.spec), ...requiredOnUpdate(b.spec)];
    return refusals.length > 0 ? denial(uid, b, refusals) : allow(uid);
  }

  const early = specRefusals(b.spec);
  if (!b.spec.targetType) early.push({ field: 'spec.targetType', code: 'MissingTargetType', message: 'required (the mutating webhook sets it from the target group)' });
  if (early.length > 0) return denial(uid, b, early);
  const tg = await targetGroupOf(uid, b, deps);
  if ('response' in tg) return tg;
  const decision = admit({ binding: b, targetGroup: tg, clusterName: deps.clusterName, bindings: deps.bindings() });
  return decision.ok ? allow(uid) : denial(uid, b, decision.refusals);
}

/** spec checks an update must pass without an AWS read (upstream's, on the spec as written) */
function requiredOnUpdate(spec: TargetGroupBindingWireSpec): Refusal[] {
  const out: Refusal[] = [];
  if (!spec.targetType) out.push({ field: 'spec.targetType', code: 'MissingTargetType', message: 'required' });
  const selector = nodeSelectorRefusal(spec.targetType, spec);
  if (selector) out.push(selector);
  return out;
}
