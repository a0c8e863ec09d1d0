// Who may bind which target group, and what a binding must agree with: the rules the admission webhook
// (src/webhook/target-group-binding.ts) and the TargetGroupBinding loop both apply, so that turning the webhook
// off never widens what a binding can do (ADR 7). Pure: the caller reads the target group and lists the bindings.
//
//   1. spec alone: a target group named (ARN or name); no role to assume (not supported);
//   2. the ARN a binding registered targets in (status.targetGroupARN) never changes under it;
//   3. ownership, from the target group's tags: another cluster's or another stack's target group is refused (another
//      cluster's is allowed to a multi-cluster binding with the claim annotation);
//      a stack's own target group only to the bindings that stack makes (its labels, its namespace, its Service);
//   4. one binding per target group: the earliest claimant holds it (ranking below), later ones are refused, unless
//      holder and newcomer are both multi-cluster bindings (each deregisters only the targets it registered);
//      a target group without owner tags is then served only if its holder claims it (annotation CLAIM_ANNOTATION);
//   5. the binding agrees with the target group: target type, IP family, VPC, protocol (upstream's checks).
import type { TargetGroupFacts } from '../aws/target-groups.ts';
import type { TargetGroupBinding, TargetGroupBindingWireSpec } from '../k8s/types.ts';
import {
  LABEL_SERVICE_STACK_NAME, LABEL_SERVICE_STACK_NAMESPACE, LABEL_STACK, LABEL_STACK_NAME, LABEL_STACK_NAMESPACE,
  TAG_CLUSTER, TAG_INGRESS_RESOURCE, TAG_INGRESS_STACK, TAG_SERVICE_RESOURCE, TAG_SERVICE_STACK,
} from '../model/tags.ts';

/** the opt-in a binding needs to manage the targets of a target group that carries no owner tags */
export const CLAIM_ANNOTATION = 'elbv2.k8s.aws/claim-target-group';

/** why a binding may not be served: the field at fault, a stable code, a sentence */
export interface Refusal {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export const refusalText = (refusals: readonly Refusal[]): string => refusals.map((r) => `${r.field}: ${r.message}`).join('; ');

const FIELD_ARN = 'spec.targetGroupARN';
export const MULTI_CLUSTER_FIELD = 'spec.multiClusterTargetGroup';
const CLAIM_FIELD = `metadata.annotations[${CLAIM_ANNOTATION}]`;
/** upstream's VPC ID format check */
const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17}|[0-9a-f]{32})$/;
const TARGET_TYPES = new Set(['instance', 'ip']);
const QUIC = new Set(['QUIC', 'TCP_QUIC']);

const nameOf = (b: TargetGroupBinding): string => `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;

// ---------------------------------------------------------------------------------------------------------
// 1. spec alone

/** refusals that need no AWS read: checked before the target group is looked at */
export function specRefusals(spec: TargetGroupBindingWireSpec): Refusal[] {
  const out: Refusal[] = [];
  if (!spec.targetGroupARN && !spec.targetGroupName) {
    out.push({ field: FIELD_ARN, code: 'MissingTargetGroup', message: 'set spec.targetGroupARN or spec.targetGroupName' });
  }
  for (const field of ['iamRoleArnToAssume', 'assumeRoleExternalId'] as const) {
    if (spec[field]) {
      out.push({
        field: `spec.${field}`, code: 'UnsupportedCrossAccountTargetGroup',
        message: 'target groups in another account (an IAM role to assume) are not supported; nothing is registered for this binding',
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// 2. the recorded target group

/** the target group the controller registered this binding's targets in, if any */
export const recordedArn = (b: TargetGroupBinding): string | undefined => b.status?.targetGroupARN || undefined;

/** a binding whose spec names another target group than the one its targets are in (the ARN is immutable) */
export function arnChangeRefusal(b: TargetGroupBinding): Refusal | undefined {
  const recorded = recordedArn(b);
  const spec = b.spec.targetGroupARN;
  if (!recorded || !spec || recorded === spec) return undefined;
  return {
    field: FIELD_ARN, code: 'ImmutableField',
    message: `changed from ${recorded} to ${spec}; the target group of a binding cannot change: delete the binding (its targets are deregistered) and create a new one`,
  };
}

/** steps 1 and 2: what refuses a binding before its target group is read */
export function earlyRefusals(b: TargetGroupBinding): Refusal[] {
  const out = specRefusals(b.spec);
  const changed = arnChangeRefusal(b);
  if (changed) out.push(changed);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// 3. ownership

/** the stack a binding says it was made by (upstream's labels), if any */
export function stackClaim(b: TargetGroupBinding): { readonly kind: 'ingress' | 'service'; readonly stack: string }[] {
  const l = b.metadata?.labels ?? {};
  const out: { kind: 'ingress' | 'service'; stack: string }[] = [];
  // an explicit group's name has no "/" (an implicit group's stack ID is "<namespace>/<name>")
  if (l[LABEL_STACK] && !l[LABEL_STACK].includes('/')) out.push({ kind: 'ingress', stack: l[LABEL_STACK] });
  if (l[LABEL_STACK_NAMESPACE] && l[LABEL_STACK_NAME]) out.push({ kind: 'ingress', stack: `${l[LABEL_STACK_NAMESPACE]}/${l[LABEL_STACK_NAME]}` });
  if (l[LABEL_SERVICE_STACK_NAMESPACE] && l[LABEL_SERVICE_STACK_NAME]) out.push({ kind: 'service', stack: `${l[LABEL_SERVICE_STACK_NAMESPACE]}/${l[LABEL_SERVICE_STACK_NAME]}` });
  return out;
}

/** the claim annotation: true, false (absent), or a refusal for a value that is neither */
export function claimOf(b: TargetGroupBinding): boolean | Refusal {
  const raw = b.metadata?.annotations?.[CLAIM_ANNOTATION];
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  return { field: CLAIM_FIELD, code: 'InvalidAnnotation', message: `"${raw}" is not true or false` };
}

/**
 * whether the stack's resource ID names this binding's Service: "<ns>/<ingress>-<svc>:<port>" (Ingress stacks)
 * or "<ns>/<svc>:<port>" (Service stacks), as upstream and src/ingress/naming.ts write them
 */
function madeFor(resource: string | undefined, b: TargetGroupBinding): boolean {
  if (!resource) return false;
  const ns = b.metadata?.namespace ?? '';
  const svcPort = `${b.spec.serviceRef?.name ?? ''}:${String(b.spec.serviceRef?.port ?? '')}`;
  if (!resource.startsWith(`${ns}/`)) return false;
  const rest = resource.slice(ns.length + 1);
  return rest === svcPort || rest.endsWith(`-${svcPort}`);
}

/**
 * whether this binding may use the target group, from the target group's tags (the claim annotation aside):
 *
 *   tags on the target group                         | allowed for
 *   -------------------------------------------------+-------------------------------------------------------
 *   elbv2.k8s.aws/cluster = another cluster           | a multiClusterTargetGroup binding with the claim annotation
 *   a stack tag, no cluster tag (another controller)  | nobody here
 *   cluster = ours + ingress.k8s.aws/stack = S        | the binding with S's stack labels, in the namespace and
 *     (or service.k8s.aws/stack = S)                  |   for the Service port of the resource tag
 *   no stack tag (a target group made by hand)        | any binding; claimRefusal then asks for the opt-in
 */
export function ownerRefusal(b: TargetGroupBinding, tg: Pick<TargetGroupFacts, 'arn' | 'tags'>, clusterName: string): Refusal | undefined {
  const t = tg.tags;
  const cluster = t[TAG_CLUSTER];
  // a multi-cluster binding deregisters only what it registered, so another cluster's target group may be shared
  // with it, on the same explicit opt-in as a target group made by hand (ADR 20)
  if (cluster && cluster !== clusterName) {
    if (b.spec.multiClusterTargetGroup && claimOf(b) === true) return undefined;
    return { field: FIELD_ARN, code: 'TargetGroupOfOtherCluster', message: `target group ${tg.arn} is tagged ${TAG_CLUSTER}=${cluster}: it belongs to another cluster's controller` };
  }
  const owner = t[TAG_INGRESS_STACK]
    ? { kind: 'ingress' as const, stack: t[TAG_INGRESS_STACK], stackTag: TAG_INGRESS_STACK, resource: t[TAG_INGRESS_RESOURCE], resourceTag: TAG_INGRESS_RESOURCE }
    : t[TAG_SERVICE_STACK]
      ? { kind: 'service' as const, stack: t[TAG_SERVICE_STACK], stackTag: TAG_SERVICE_STACK, resource: t[TAG_SERVICE_RESOURCE], resourceTag: TAG_SERVICE_RESOURCE }
      : undefined;
  if (!owner) return undefined;
  const tagged = `tagged ${owner.stackTag}=${owner.stack}`;
  if (!cluster) {
    return { field: FIELD_ARN, code: 'TargetGroupOfOtherStack', message: `target group ${tg.arn} is ${tagged} without ${TAG_CLUSTER}: another controller manages it` };
  }
  const claimed = claimOf(b) === true ? ` (${CLAIM_ANNOTATION} applies only to target groups without owner tags)` : '';
  if (!stackClaim(b).some((c) => c.kind === owner.kind && c.stack === owner.stack)) {
    return {
      field: FIELD_ARN, code: 'TargetGroupOfOtherStack',
      message: `target group ${tg.arn} is ${tagged}: only the TargetGroupBindings that stack creates may use it${claimed}`,
    };
  }
  if (!madeFor(owner.resource, b)) {
    return {
      field: FIELD_ARN, code: 'TargetGroupOfOtherStack',
      message: `target group ${tg.arn} was made for ${owner.resource ? `"${owner.resource}" (${owner.resourceTag})` : `no Service (no ${owner.resourceTag} tag)`}, `
        + `not for Service ${b.metadata?.namespace ?? ''}/${b.spec.serviceRef?.name ?? ''} port ${String(b.spec.serviceRef?.port ?? '')}${claimed}`,
    };
  }
  return undefined;
}

/** a target group without owner tags needs the binding's opt-in before its targets are managed */
export function claimRefusal(b: TargetGroupBinding, tg: Pick<TargetGroupFacts, 'arn' | 'tags'>): Refusal | undefined {
  if (tg.tags[TAG_INGRESS_STACK] || tg.tags[TAG_SERVICE_STACK]) return undefined;
  const claim = claimOf(b);
  if (typeof claim === 'object') return claim;
  if (claim) return undefined;
  return {
    field: CLAIM_FIELD, code: 'TargetGroupNotClaimed',
    message: `target group ${tg.arn} has no owner tags (${TAG_INGRESS_STACK}, ${TAG_SERVICE_STACK}); a binding registers its Service's `
      + `endpoints there and deregisters every other target, so it needs the opt-in: kubectl annotate targetgroupbinding `
      + `-n ${b.metadata?.namespace ?? ''} ${b.metadata?.name ?? ''} ${CLAIM_ANNOTATION}=true`,
  };
}

/** both ownership checks: the tags allow this binding, and it claimed a target group without owner tags */
export const ownershipRefusal = (b: TargetGroupBinding, tg: Pick<TargetGroupFacts, 'arn' | 'tags'>, clusterName: string): Refusal | undefined =>
  ownerRefusal(b, tg, clusterName) ?? claimRefusal(b, tg);

// ---------------------------------------------------------------------------------------------------------
// 4. one binding per target group

/**
 * how strongly a binding claims the target group: 0 its targets are there (recorded), 1 its spec names it,
 * undefined not at all (a binding whose recorded target group is another one claims that one)
 */
function claimRank(b: TargetGroupBinding, arn: string): 0 | 1 | undefined {
  const recorded = recordedArn(b);
  if (recorded === arn) return 0;
  if (!recorded && b.spec.targetGroupARN === arn) return 1;
  return undefined;
}

const rankKey = (rank: number, b: TargetGroupBinding): string =>
  `${rank}|${b.metadata?.creationTimestamp ?? '9999'}|${nameOf(b)}`;

/**
 * the binding that holds a target group: among the bindings claiming it that the target group's owner tags allow
 * (`eligible`), first the one whose targets are there (recorded), then the oldest, then by namespace/name.
 * `self` is ranked last among equals when its claim is not visible to the others yet (a binding that names the
 * target group only by spec.targetGroupName), so every binding computes the same holder.
 */
export function holderOf(arn: string, bindings: readonly TargetGroupBinding[], eligible: (b: TargetGroupBinding) => boolean, self?: TargetGroupBinding): TargetGroupBinding | undefined {
  const selfUid = self?.metadata?.uid;
  let best: { key: string; b: TargetGroupBinding } | undefined;
  const consider = (b: TargetGroupBinding, rank: number): void => {
    if (!eligible(b)) return;
    const key = rankKey(rank, b);
    if (!best || key < best.key) best = { key, b };
  };
  for (const b of bindings) {
    if (self && (b === self || (selfUid !== undefined && b.metadata?.uid === selfUid) || nameOf(b) === nameOf(self))) continue;
    const rank = claimRank(b, arn);
    if (rank !== undefined) consider(b, rank);
  }
  if (self) consider(self, claimRank(self, arn) ?? 2);
  return best?.b;
}

export function alreadyBoundRefusal(arn: string, holder: TargetGroupBinding): Refusal {
  return {
    field: FIELD_ARN, code: 'TargetGroupAlreadyBound',
    message: `target group ${arn} is already bound by TargetGroupBinding ${nameOf(holder)}; one binding per target group, unless every binding of it sets ${MULTI_CLUSTER_FIELD}`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 5. agreement with the target group

/** the spec with what the binding leaves unset taken from the target group (upstream's mutating webhook defaults) */
export function defaultsFromTargetGroup(spec: TargetGroupBindingWireSpec, tg: TargetGroupFacts): Partial<TargetGroupBindingWireSpec> {
  const out: Partial<TargetGroupBindingWireSpec> = {};
  if (!spec.targetGroupARN) out.targetGroupARN = tg.arn;
  if (!spec.targetType && TARGET_TYPES.has(tg.targetType)) out.targetType = tg.targetType as 'instance' | 'ip';
  if (!spec.ipAddressType) out.ipAddressType = tg.ipAddressType;
  if (!spec.vpcID && tg.vpcId) out.vpcID = tg.vpcId;
  if (!spec.targetGroupProtocol && tg.protocol) out.targetGroupProtocol = tg.protocol;
  return out;
}

/** what the binding states that the target group contradicts; run on the spec as the user wrote it */
export function targetGroupMismatches(spec: TargetGroupBindingWireSpec, tg: TargetGroupFacts): Refusal[] {
  const out: Refusal[] = [];
  const of = `target group ${tg.arn}`;
  if (!TARGET_TYPES.has(tg.targetType)) {
    out.push({ field: FIELD_ARN, code: 'UnsupportedTargetType', message: `${of} has target type ${tg.targetType}; a TargetGroupBinding registers instance or ip targets only` });
  } else if (spec.targetType && spec.targetType !== tg.targetType) {
    out.push({ field: 'spec.targetType', code: 'TargetTypeMismatch', message: `${spec.targetType} does not match the target type of ${of} (${tg.targetType})` });
  }
  if (spec.ipAddressType && spec.ipAddressType !== tg.ipAddressType) {
    out.push({ field: 'spec.ipAddressType', code: 'IPAddressTypeMismatch', message: `${spec.ipAddressType} does not match the IP address type of ${of} (${tg.ipAddressType})` });
  }
  if (spec.vpcID) {
    if (!VPC_ID.test(spec.vpcID)) {
      out.push({ field: 'spec.vpcID', code: 'InvalidVpcID', message: `"${spec.vpcID}" is not a VPC ID (vpc- followed by 8, 17 or 32 lowercase hex digits)` });
    } else if (spec.vpcID !== tg.vpcId) {
      out.push({ field: 'spec.vpcID', code: 'VpcIDMismatch', message: `${spec.vpcID} does not match the VPC of ${of} (${tg.vpcId ?? 'none'})` });
    }
  }
  if (spec.targetGroupProtocol && spec.targetGroupProtocol !== tg.protocol) {
    out.push({ field: 'spec.targetGroupProtocol', code: 'ProtocolMismatch', message: `${spec.targetGroupProtocol} does not match the protocol of ${of} (${tg.protocol ?? 'none'})` });
  }
  const targetType = spec.targetType ?? tg.targetType;
  if (targetType === 'instance' && QUIC.has(spec.targetGroupProtocol ?? tg.protocol ?? '')) {
    out.push({ field: 'spec.targetGroupProtocol', code: 'UnsupportedProtocol', message: `${spec.targetGroupProtocol ?? tg.protocol ?? ''} target groups take ip targets only` });
  }
  const selector = nodeSelectorRefusal(targetType, spec);
  if (selector) out.push(selector);
  return out;
}

/** upstream: a node selector only for instance targets */
export const nodeSelectorRefusal = (targetType: string | undefined, spec: TargetGroupBindingWireSpec): Refusal | undefined =>
  (targetType === 'ip' && spec.nodeSelector
    ? { field: 'spec.nodeSelector', code: 'InvalidNodeSelector', message: 'applies to instance targets only; remove it for an ip binding' }
    : undefined);

// ---------------------------------------------------------------------------------------------------------
// The whole decision

export interface AdmissionInput {
  readonly binding: TargetGroupBinding;
  /** the target group the binding resolves to (spec.targetGroupARN, or found by spec.targetGroupName) */
  readonly targetGroup: TargetGroupFacts;
  readonly clusterName: string;
  /** every binding the controller sees (the binding itself may be among them) */
  readonly bindings: readonly TargetGroupBinding[];
}

export type Admission =
  | { readonly ok: true; readonly arn: string; readonly spec: TargetGroupBindingWireSpec }
  | { readonly ok: false; readonly refusals: readonly Refusal[]; readonly holder?: TargetGroupBinding };

/**
 * whether another binding's claim on the same target group counts: its owner tags allow it. A binding that only
 * lacks the opt-in still holds a target group made by hand (an upstream binding not migrated yet keeps it).
 */
export const eligibleFor = (tg: Pick<TargetGroupFacts, 'arn' | 'tags'>, clusterName: string) =>
  (b: TargetGroupBinding): boolean => ownerRefusal(b, tg, clusterName) === undefined;

/**
 * the binding holding the target group when it is not `b`; multi-cluster bindings share (each deregisters only
 * what it registered), so a multi-cluster holder does not exclude a multi-cluster `b`, as upstream's webhook
 */
function otherHolder(b: TargetGroupBinding, tg: Pick<TargetGroupFacts, 'arn' | 'tags'>, clusterName: string, bindings: readonly TargetGroupBinding[]): TargetGroupBinding | undefined {
  const holder = holderOf(tg.arn, bindings, eligibleFor(tg, clusterName), b);
  if (!holder || holder === b || nameOf(holder) === nameOf(b)) return undefined;
  return b.spec.multiClusterTargetGroup && holder.spec.multiClusterTargetGroup ? undefined : holder;
}

/**
 * the five steps: allowed with the effective spec (defaults from the target group), or refused. Refusals of the
 * spec alone are all listed, as are mismatches; a refusal for ownership or an existing holder comes alone.
 */
export function admit(input: AdmissionInput): Admission {
  const { binding: b, targetGroup: tg, clusterName } = input;
  const early = earlyRefusals(b);
  if (early.length > 0) return { ok: false, refusals: early };
  const owner = ownerRefusal(b, tg, clusterName);
  if (owner) return { ok: false, refusals: [owner] };
  const holder = otherHolder(b, tg, clusterName, input.bindings);
  if (holder) return { ok: false, refusals: [alreadyBoundRefusal(tg.arn, holder)], holder };
  const claim = claimRefusal(b, tg);
  if (claim) return { ok: false, refusals: [claim] };
  const mismatches = targetGroupMismatches(b.spec, tg);
  if (mismatches.length > 0) return { ok: false, refusals: mismatches };
  return { ok: true, arn: tg.arn, spec: { ...b.spec, ...defaultsFromTargetGroup(b.spec, tg) } };
}

/**
 * whether a binding being deleted may deregister its targets from the target group: it is the one its targets are
 * in (recorded, else the spec's), the owner tags allow it, it claimed a target group made by hand, and it holds
 * the target group (no other binding's targets are there)
 */
export function mayCleanUp(b: TargetGroupBinding, tg: Pick<TargetGroupFacts, 'arn' | 'tags'>, clusterName: string, bindings: readonly TargetGroupBinding[]): boolean {
  if ((recordedArn(b) ?? b.spec.targetGroupARN) !== tg.arn) return false;
  if (ownershipRefusal(b, tg, clusterName)) return false;
  return otherHolder(b, tg, clusterName, bindings) === undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Updates (the validating webhook)

/** upstream's immutable fields: the names of those an update changes */
export function immutableChanges(next: TargetGroupBindingWireSpec, old: TargetGroupBindingWireSpec, clusterVpcId: string | undefined): string[] {
  const out: string[] = [];
  if ((next.targetGroupARN ?? '') !== (old.targetGroupARN ?? '')) out.push('spec.targetGroupARN');
  if ((next.targetType ?? '') !== (old.targetType ?? '')) out.push('spec.targetType');
  // unset ipAddressType means ipv4: setting it to ipv4 later is no change
  if ((old.ipAddressType === undefined && next.ipAddressType !== undefined && next.ipAddressType !== 'ipv4')
    || (old.ipAddressType !== undefined && next.ipAddressType === undefined)
    || (old.ipAddressType !== undefined && next.ipAddressType !== undefined && old.ipAddressType !== next.ipAddressType)) {
    out.push('spec.ipAddressType');
  }
  // unset vpcID means the cluster's VPC: setting it to that later is no change
  const oldVpc = old.vpcID ?? '';
  const nextVpc = next.vpcID ?? '';
  if ((oldVpc && nextVpc && oldVpc !== nextVpc) || (oldVpc && !nextVpc) || (!oldVpc && nextVpc && nextVpc !== clusterVpcId)) out.push('spec.vpcID');
  return out;
}
