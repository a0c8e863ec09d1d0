// What every part of one group's build needs to know.
import type { V1Service } from '@kubernetes/client-node';
import type { DiscoveredFacts, Issue, Note, Tags } from '../model/index.ts';
import type { TargetGroupPlan } from './build-target-groups.ts';
import type { Member } from './group.ts';
import type { GroupId } from './naming.ts';
import { type BuildConfig, type Snapshot, gateOn } from './snapshot.ts';

export interface BuildContext {
  readonly config: BuildConfig;
  readonly facts: DiscoveredFacts;
  readonly snapshot: Snapshot;
  readonly group: GroupId;
  /** the stack ID */
  readonly stackId: string;
  /** Services by "namespace/name" */
  readonly services: ReadonlyMap<string, V1Service>;
  /** the DNS name of the group's load balancer as AWS reports it; absent when none is known (ADR 6) */
  readonly loadBalancerDnsName?: string;
}

/** Collects a member's Issues and Notes while it is compiled. */
export interface Sink {
  readonly issues: Issue[];
  readonly notes: Note[];
}

/** One member being compiled: its context, the target groups built so far, and where its Issues go. */
export interface MemberScope {
  readonly ctx: BuildContext;
  readonly m: Member;
  readonly tgs: Map<string, TargetGroupPlan>;
  readonly sink: Sink;
}

export function indexServices(services: readonly V1Service[]): Map<string, V1Service> {
  const m = new Map<string, V1Service>();
  for (const s of services) m.set(`${s.metadata?.namespace || 'default'}/${s.metadata?.name ?? ''}`, s);
  return m;
}

/** the user's tags with --default-tags: the default tags win, unless EnableDefaultTagsLowPriority lets the user's win */
export const withDefaultTags = (config: BuildConfig, user: Tags): Record<string, string> =>
  (gateOn(config, 'EnableDefaultTagsLowPriority') ? { ...config.defaultTags, ...user } : { ...user, ...config.defaultTags });

/** Later maps win; undefined maps are skipped. */
export const mergeTags = (...maps: readonly (Tags | undefined)[]): Record<string, string> => Object.assign({}, ...maps.filter(Boolean));

/** IngressClassParams' `[{key, value}]` lists as a map; later entries win. */
export const keyValueMap = (xs: readonly { readonly key: string; readonly value: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((xs ?? []).map((x) => [x.key, x.value]));
