// Group tenancy (ADR 6): which member of an IngressGroup was there first, and what that decides.
//  - Seniority: deployed already (holds the group's finalizer and its status shows the group's load balancer,
//    whose DNS name AWS reports), then the older metadata.creationTimestamp, then namespace/name. group.order
//    plays no part: it orders rules, it never decides who owns a contested value or host.
//  - The first member keeps a contested group-wide value (merge.ts asks in order of seniority) and its host +
//    path against rules from other namespaces (HostPathClaims below).
//  - New uses of the annotations that upstream's --disable-ingress-{group-name,class}-annotation switch off, and
//    joining a group that an IngressClassParams pins by annotation instead of through it, are refused; a member
//    deployed already keeps working.
import type { Issue } from '../model/index.ts';
import { PREFIX } from './annotations/index.ts';
import type { MemberContribution } from './build-member.ts';
import type { MemberRule } from './build-rules.ts';
import { ANNOTATION_LEGACY_CLASS } from './class-match.ts';
import type { Member } from './group.ts';
import { type BuildConfig, type Snapshot, compareStrings, issue } from './snapshot.ts';

export interface Seniority {
  readonly key: string;
  readonly deployed: boolean;
  /** metadata.creationTimestamp in ms; undefined when not known (a manifest never applied) */
  readonly createdMs?: number;
}

function createdMs(m: Member): number | undefined {
  const t: unknown = m.ing.metadata?.creationTimestamp;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Deployed already: the member holds the group's finalizer and its status shows `loadBalancerDnsName`. Only the
 * controller (and whoever may write ingresses/status) can set a status, and the DNS name comes from AWS, so an
 * Ingress cannot make itself look deployed in someone else's group.
 */
export function isDeployed(m: Member, finalizer: string, loadBalancerDnsName: string | undefined): boolean {
  if (!loadBalancerDnsName || !(m.ing.metadata?.finalizers ?? []).includes(finalizer)) return false;
  const entries: unknown = m.ing.status?.loadBalancer?.ingress;
  const want = loadBalancerDnsName.toLowerCase();
  return Array.isArray(entries) && entries.some((e: { hostname?: unknown }) => typeof e?.hostname === 'string' && e.hostname.toLowerCase() === want);
}

export const seniorityOf = (m: Member, finalizer: string, loadBalancerDnsName: string | undefined): Seniority => {
  const created = createdMs(m);
  return { key: m.key, deployed: isDeployed(m, finalizer, loadBalancerDnsName), ...(created !== undefined ? { createdMs: created } : {}) };
};

/** Earlier = in the group first. A total order on distinct keys, so the outcome never depends on input order. */
export function compareSeniority(a: Seniority, b: Seniority): number {
  if (a.deployed !== b.deployed) return a.deployed ? -1 : 1;
  if (a.createdMs !== b.createdMs) {
    if (a.createdMs === undefined) return 1;
    if (b.createdMs === undefined) return -1;
    return a.createdMs - b.createdMs;
  }
  return compareStrings(a.key, b.key);
}

/** Why `first` counts as in the group before `then`, in a few words for messages. */
export function firstBecause(first: Seniority, then: Seniority): string {
  if (first.deployed && !then.deployed) return 'deployed already';
  if (first.createdMs !== undefined && first.createdMs !== then.createdMs) return `created ${new Date(first.createdMs).toISOString()}`;
  return 'no deployment or creation time tells them apart; namespace/name decides';
}

/** Group names that an IngressClassParams pins (spec.group.name), with the params that pin each. */
export function pinnedGroups(snapshot: Snapshot): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of snapshot.ingressClassParams) {
    const name = p.spec.group?.name;
    if (name !== undefined) out.set(name, [...(out.get(name) ?? []), p.metadata.name].sort());
  }
  return out;
}

type TenancyConfig = Pick<BuildConfig, 'disableIngressGroupNameAnnotation' | 'disableIngressClassAnnotation'>;

const ANNOTATION_GROUP_NAME = `${PREFIX}group.name`;

/**
 * Uses that only a member deployed already may keep (upstream's webhook refuses them on create and on a changed
 * value; a level-triggered controller tells "already there" by the member being deployed in its group).
 */
export function refusedUses(m: Member, deployed: boolean, config: TenancyConfig, pinned: ReadonlyMap<string, readonly string[]>): Issue[] {
  if (deployed) return [];
  const out: Issue[] = [];
  if (config.disableIngressClassAnnotation && m.ing.metadata?.annotations?.[ANNOTATION_LEGACY_CLASS] !== undefined) {
    out.push(issue(m.ref, ANNOTATION_LEGACY_CLASS, 'DisabledAnnotation',
      `the ${ANNOTATION_LEGACY_CLASS} annotation is disabled (--disable-ingress-class-annotation): set spec.ingressClassName instead`));
  }
  const byAnnotation = m.params?.spec.group?.name === undefined ? m.annotations.groupName : undefined;
  if (byAnnotation === undefined) return out;
  if (config.disableIngressGroupNameAnnotation) {
    out.push(issue(m.ref, ANNOTATION_GROUP_NAME, 'DisabledAnnotation',
      `the ${ANNOTATION_GROUP_NAME} annotation is disabled (--disable-ingress-group-name-annotation): join a group through an IngressClass whose IngressClassParams set spec.group.name`));
  }
  const pins = pinned.get(byAnnotation);
  if (pins) {
    out.push(issue(m.ref, ANNOTATION_GROUP_NAME, 'GroupPinned',
      `group ${byAnnotation} is pinned by IngressClassParams ${pins.join(', ')}: join it through an IngressClass that uses ${pins.length > 1 ? 'one of them' : 'it'}, not by annotation`));
  }
  return out;
}

// ---- host + path claims -------------------------------------------------------------------------------------

const MAX_PATTERN_PRODUCT = 1_000_000;

/** index of the first `*` or `?`, or -1 */
function firstWildcard(x: string): number {
  for (let i = 0; i < x.length; i++) {
    const c = x.charCodeAt(i);
    if (c === 42 || c === 63) return i;
  }
  return -1;
}

/**
 * Does ALB pattern `p` match every string that pattern `s` matches? (`*`: any run of characters, `?`: one.)
 * Sound: true only when it holds; `p` may cover `s` in rare cases this does not see (then no conflict is found).
 */
export function globCovers(p: string, s: string): boolean {
  if (p === s || p === '*') return true;
  // a literal covers only itself; p's literal head and tail must be s's (cheap, and most pairs end here)
  const first = firstWildcard(p);
  if (first < 0) return false;
  const last = Math.max(p.lastIndexOf('*'), p.lastIndexOf('?'));
  if (!s.startsWith(p.slice(0, first)) || !s.endsWith(p.slice(last + 1))) return false;
  if (p.length * s.length > MAX_PATTERN_PRODUCT) return false;
  // next[j]: p[i+1..] covers s[j..]; row[j]: p[i..] covers s[j..]
  let next: boolean[] = Array.from({ length: s.length + 1 }, (_, j) => j === s.length);
  for (let i = p.length - 1; i >= 0; i--) {
    const row: boolean[] = new Array<boolean>(s.length + 1).fill(false);
    for (let j = s.length; j >= 0; j--) {
      if (p[i] === '*') row[j] = (next[j] ?? false) || (j < s.length && (row[j + 1] ?? false));
      else if (j === s.length || s[j] === '*') row[j] = false;
      else if (p[i] === '?') row[j] = next[j + 1] ?? false;
      else row[j] = p[i] === s[j] && (next[j + 1] ?? false);
    }
    next = row;
  }
  return next[0] ?? false;
}

const isPattern = (x: string): boolean => firstWildcard(x) >= 0;

interface HeldRule {
  readonly member: string;
  readonly namespace: string;
  /** lower-case host patterns; "*" when the rule has no host condition */
  readonly hosts: readonly string[];
  /** path patterns; "/*" when the rule has no path condition */
  readonly paths: readonly string[];
}

function heldRule(c: MemberContribution, r: MemberRule): HeldRule {
  const hosts: string[] = [];
  const paths: string[] = [];
  for (const cond of r.conditions) {
    if (cond.field === 'host-header') for (const h of cond.hostHeaderConfig.values) hosts.push(h.toLowerCase());
    else if (cond.field === 'path-pattern') for (const p of cond.pathPatternConfig.values) paths.push(p);
  }
  return {
    member: c.member.key, namespace: c.member.ref.namespace ?? '',
    hosts: hosts.length > 0 ? hosts : ['*'], paths: paths.length > 0 ? paths : ['/*'],
  };
}

/** A host and a path of `held` that `rule` would take (match every request of) if it came first; else undefined. */
function takenFrom(rule: HeldRule, held: HeldRule): { host: string; path: string } | undefined {
  const host = held.hosts.find((h) => rule.hosts.some((mine) => globCovers(mine, h)));
  if (host === undefined) return undefined;
  const path = held.paths.find((p) => rule.paths.some((mine) => globCovers(mine, p)));
  return path === undefined ? undefined : { host, path };
}

export interface TakenHostPath {
  /** the newcomer's rule ("spec.rules[0].http.paths[1]") */
  readonly source: string;
  readonly port: number;
  readonly host: string;
  readonly path: string;
  /** the member that holds it */
  readonly holder: string;
}

/** The literal part of a pattern before its first wildcard (the whole of a literal). */
const literalHead = (x: string): string => {
  const i = firstWildcard(x);
  return i < 0 ? x : x.slice(0, i);
};

interface PortClaims {
  /** rules by each literal host they name */
  readonly byHost: Map<string, HeldRule[]>;
  /** every path of every rule, sorted by path: a pattern covers only paths that start with its literal head */
  readonly byPath: { readonly path: string; readonly rule: HeldRule }[];
  readonly all: HeldRule[];
}

/** index of the first entry whose path is not below `x` */
function lowerBound(entries: readonly { readonly path: string }[], x: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareStrings((entries[mid] as { path: string }).path, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The accepted members' rules by listener port, indexed by literal host and by path. Rules from one namespace
 * never conflict (upstream's behaviour: both are kept and priority decides); across namespaces a newcomer's
 * rule that would take every request of a host + path a held rule serves is refused, whatever its group.order.
 */
export class HostPathClaims {
  readonly #ports = new Map<number, PortClaims>();

  add(c: MemberContribution): void {
    const rules = c.rules.map((r) => heldRule(c, r));
    for (const port of c.ports.keys()) {
      let slot = this.#ports.get(port);
      if (!slot) this.#ports.set(port, (slot = { byHost: new Map(), byPath: [], all: [] }));
      for (const h of rules) {
        slot.all.push(h);
        for (const host of new Set(h.hosts)) {
          if (isPattern(host)) continue;
          const list = slot.byHost.get(host);
          if (list) list.push(h);
          else slot.byHost.set(host, [h]);
        }
        for (const path of new Set(h.paths)) slot.byPath.splice(lowerBound(slot.byPath, path), 0, { path, rule: h });
      }
    }
  }

  /** The held hosts + paths `c` would take from other namespaces, one per newcomer rule and port. */
  takenBy(c: MemberContribution): TakenHostPath[] {
    const out: TakenHostPath[] = [];
    const namespace = c.member.ref.namespace ?? '';
    for (const r of c.rules) {
      const mine = heldRule(c, r);
      for (const port of c.ports.keys()) {
        const slot = this.#ports.get(port);
        if (!slot) continue;
        for (const held of candidates(mine, slot)) {
          if (held.namespace === namespace) continue;
          const hit = takenFrom(mine, held);
          if (hit) { out.push({ source: r.source, port, ...hit, holder: held.member }); break; }
        }
      }
    }
    return out;
  }
}

/** [from, to) of the paths that start with `head` */
function prefixRange(byPath: PortClaims['byPath'], head: string): [number, number] {
  const from = lowerBound(byPath, head);
  let to = lowerBound(byPath, `${head}\uffff`);
  while (to < byPath.length && (byPath[to] as { path: string }).path.startsWith(head)) to++;
  return [from, to];
}

/**
 * Held rules `mine` may cover, from the smaller of two indexes: by host when all its hosts are literal (a literal
 * covers only itself), by path when no path starts with a wildcard (a pattern covers only paths that start with
 * its literal head). A rule with neither (e.g. no host, path `*`) is checked against every held rule.
 */
function candidates(mine: HeldRule, slot: PortClaims): Iterable<HeldRule> {
  const byHost = mine.hosts.some(isPattern) ? undefined : mine.hosts.map((h) => slot.byHost.get(h) ?? []);
  const heads = mine.paths.map(literalHead);
  const byPath = heads.includes('') ? undefined : heads.map((h) => prefixRange(slot.byPath, h));
  const hostCount = byHost?.reduce((n, l) => n + l.length, 0) ?? Infinity;
  const pathCount = byPath?.reduce((n, [from, to]) => n + to - from, 0) ?? Infinity;
  if (byHost && hostCount <= pathCount) return byHost.flat();
  if (!byPath) return slot.all;
  const out = new Set<HeldRule>();
  for (const [from, to] of byPath) for (let i = from; i < to; i++) out.add((slot.byPath[i] as { rule: HeldRule }).rule);
  return out;
}
