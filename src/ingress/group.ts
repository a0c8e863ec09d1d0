// IngressGroups: which Ingresses share one ALB, in which order, and which ones are leaving.
import type { V1Ingress } from '@kubernetes/client-node';
import { FINALIZER_IMPLICIT_GROUP, finalizerForExplicitGroup, runSteps, type Issue, type ObjectRef, type Steps } from '../model/index.ts';
import {
  type AnnotatedObject, DEFAULTS, GROUP_NAME, GROUP_NAME_MAX, GROUP_NAME_RULE, type IngressAnnotations, PREFIX, parseIngressAnnotations,
} from './annotations/index.ts';
import { matchIngressClass } from './class-match.ts';
import { type GroupId, groupIdString } from './naming.ts';
import { ingressShapeIssues, normalizeIngress, normalizeSnapshot, normalizeSnapshotSteps } from './normalize.ts';
import {
  type BuildConfig, type IngressClassParamsObject, type Snapshot, annotatedIngress, compareStrings, ingressKey, ingressName,
  ingressNamespace, ingressRef, isDeleting, issue,
} from './snapshot.ts';

const EXPLICIT_FINALIZER_PREFIX = finalizerForExplicitGroup('');

/** An active Ingress of ours, parsed once. `issues` non-empty = broken: reported and left out of its stack. */
export interface Member {
  readonly ing: V1Ingress;
  readonly key: string;
  readonly ref: ObjectRef;
  readonly obj: AnnotatedObject;
  readonly className?: string;
  readonly params?: IngressClassParamsObject;
  readonly annotations: IngressAnnotations;
  readonly order: number;
  readonly issues: readonly Issue[];
}

export interface IngressGroup {
  readonly id: GroupId;
  /** the stack ID */
  readonly key: string;
  readonly finalizer: string;
  /** active members (broken ones included) sorted by group.order, then namespace/name */
  readonly members: readonly Member[];
  /** hold this group's finalizer but are being deleted or have left the group */
  readonly inactive: readonly V1Ingress[];
}

export interface Grouping {
  readonly groups: readonly IngressGroup[];
  /** broken Ingresses of ours whose group cannot be told (an invalid group.name) */
  readonly ungrouped: readonly Member[];
}

export const finalizerFor = (g: GroupId): string => (g.explicit ? finalizerForExplicitGroup(g.name) : FINALIZER_IMPLICIT_GROUP);

/** Groups an Ingress still holds a finalizer for (so it must stay until that group is reconciled without it). */
export function groupsOfFinalizers(rawIng: V1Ingress): GroupId[] {
  const out: GroupId[] = [];
  const ing = normalizeIngress(rawIng);
  if (!ing) return out;
  for (const f of ing.metadata?.finalizers ?? []) {
    if (f === FINALIZER_IMPLICIT_GROUP) out.push({ explicit: false, namespace: ingressNamespace(ing), name: ingressName(ing) });
    else if (f.startsWith(EXPLICIT_FINALIZER_PREFIX) && f.length > EXPLICIT_FINALIZER_PREFIX.length) {
      out.push({ explicit: true, namespace: '', name: f.slice(EXPLICIT_FINALIZER_PREFIX.length) });
    }
  }
  return out;
}

export type Classified =
  | { readonly ours: false; readonly why: string }
  | { readonly ours: true; readonly deleting: true }
  | { readonly ours: true; readonly deleting: false; readonly member: Member; readonly group: GroupId | undefined };

/** Class match, annotation parse and group of one Ingress. */
export function classifyIngress(rawIng: V1Ingress, rawSnapshot: Snapshot, config: Pick<BuildConfig, 'ingressClass'>): Classified {
  const ing = normalizeIngress(rawIng);
  if (!ing) return { ours: false, why: 'not an Ingress object' };
  const snapshot = normalizeSnapshot(rawSnapshot);
  const cm = matchIngressClass(ing, snapshot, config);
  if (!cm.ours) return cm;
  if (isDeleting(ing)) return { ours: true, deleting: true };
  const obj = annotatedIngress(ing);
  const ref = ingressRef(ing);
  const parsed = parseIngressAnnotations(obj);
  const issues: Issue[] = [...ingressShapeIssues(ing), ...cm.issues, ...parsed.issues];
  const a = parsed.value;
  let group: GroupId | undefined;
  const paramsGroup = cm.params?.spec.group?.name;
  if (paramsGroup !== undefined) {
    if (paramsGroup.length <= GROUP_NAME_MAX && GROUP_NAME.test(paramsGroup)) group = { explicit: true, namespace: '', name: paramsGroup };
    else issues.push(issue(ref, 'spec.ingressClassName', 'InvalidGroupName', `IngressClassParams ${cm.params?.metadata.name ?? ''} spec.group.name "${paramsGroup}" is not a valid group name: ${GROUP_NAME_RULE}`));
  } else if (a.groupName !== undefined) {
    group = { explicit: true, namespace: '', name: a.groupName };
  } else if (!parsed.issues.some((i) => i.field === `${PREFIX}group.name`)) {
    group = { explicit: false, namespace: ingressNamespace(ing), name: ingressName(ing) };
  }
  const member: Member = {
    ing, key: ingressKey(ing), ref, obj, className: cm.className, params: cm.params, annotations: a,
    order: a.groupOrder ?? DEFAULTS.groupOrder, issues,
  };
  return { ours: true, deleting: false, member, group };
}

export const compareMembers = (a: Member, b: Member): number => a.order - b.order || compareStrings(a.key, b.key);

/** Every IngressGroup that has active members or Ingresses still holding its finalizer. */
export const groupMembers = (rawSnapshot: Snapshot, config: Pick<BuildConfig, 'ingressClass'>): Grouping =>
  runSteps(groupMembersSteps(rawSnapshot, config));

/** `groupMembers` as steps: one per Ingress of the snapshot */
export function* groupMembersSteps(rawSnapshot: Snapshot, config: Pick<BuildConfig, 'ingressClass'>): Steps<Grouping> {
  const snapshot = yield* normalizeSnapshotSteps(rawSnapshot);
  const byKey = new Map<string, { id: GroupId; members: Member[]; inactive: V1Ingress[] }>();
  const slot = (id: GroupId) => {
    const k = groupIdString(id);
    let g = byKey.get(k);
    if (!g) byKey.set(k, (g = { id, members: [], inactive: [] }));
    return g;
  };
  const ungrouped: Member[] = [];
  for (const ing of snapshot.ingresses) {
    yield;
    const c = classifyIngress(ing, snapshot, config);
    const activeIn = c.ours && !c.deleting ? c.group : undefined;
    const held = groupsOfFinalizers(ing);
    if (c.ours && !c.deleting) {
      if (c.group) slot(c.group).members.push(c.member);
      else if (held.length === 0) ungrouped.push(c.member);
      // a broken Ingress whose group cannot be told stays a (broken, excluded) member of the groups it holds
      else for (const g of held) slot(g).members.push(c.member);
      if (!c.group) continue;
    }
    for (const g of held) {
      if (activeIn && groupIdString(activeIn) === groupIdString(g)) continue;
      slot(g).inactive.push(ing);
    }
  }
  const groups = [...byKey.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, g]): IngressGroup => ({ id: g.id, key, finalizer: finalizerFor(g.id), members: g.members.sort(compareMembers), inactive: g.inactive }));
  return { groups, ungrouped };
}

/** The group keys an Ingress is relevant to: its own group (if ours and active) and every group it holds a finalizer for. */
export function groupKeysOfIngress(rawIng: V1Ingress, rawSnapshot: Snapshot, config: Pick<BuildConfig, 'ingressClass'>): string[] {
  const ing = normalizeIngress(rawIng);
  if (!ing) return [];
  const snapshot = normalizeSnapshot(rawSnapshot);
  const keys = new Set<string>();
  const c = classifyIngress(ing, snapshot, config);
  if (c.ours && !c.deleting && c.group) keys.add(groupIdString(c.group));
  for (const g of groupsOfFinalizers(ing)) keys.add(groupIdString(g));
  return [...keys].sort();
}
