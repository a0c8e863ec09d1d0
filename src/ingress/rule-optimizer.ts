// The rules of one listener, before priorities are numbered, with two kinds of rule left out (as upstream
// does, for the legacy `actions.ssl-redirect` backend that Ingresses put on both HTTP and HTTPS ports):
//  - a redirect rule whose target is this same listener (it would redirect forever), and
//  - a rule that an earlier redirect rule already takes all the traffic of (it could never match).
// Only host-header and path-pattern conditions are compared; a redirect rule with any other
// condition shadows nothing.
import type { Action, ListenerProtocol, RuleCondition } from '../model/index.ts';

export interface OptimizableRule {
  readonly conditions: readonly RuleCondition[];
  readonly actions: readonly Action[];
}

export type DropReason = 'redirect-loop' | 'shadowed';

export interface Optimized<R extends OptimizableRule> {
  readonly kept: R[];
  /** left out, in input order, with the reason and (for `shadowed`) the kept rule that shadows it */
  readonly dropped: { readonly rule: R; readonly why: DropReason; readonly by?: R }[];
}

type RedirectConfig = Extract<Action, { type: 'redirect' }>['redirectConfig'];

const redirectOf = (actions: readonly Action[]): RedirectConfig | undefined => {
  for (const a of actions) if (a.type === 'redirect') return a.redirectConfig;
  return undefined;
};

interface HostsAndPaths {
  readonly hosts: Set<string>;
  readonly paths: Set<string>;
  /** true when the rule has a condition other than host-header and path-pattern, or regexValues */
  readonly other: boolean;
}

function hostsAndPaths(conditions: readonly RuleCondition[]): HostsAndPaths {
  const hosts = new Set<string>();
  const paths = new Set<string>();
  let other = false;
  for (const c of conditions) {
    if (c.field === 'host-header') for (const v of c.hostHeaderConfig.values) hosts.add(v);
    else if (c.field === 'path-pattern') for (const v of c.pathPatternConfig.values) paths.add(v);
    else other = true;
    // a regular expression is not compared with wildcards: a redirect rule with one shadows nothing
    if ((c.field === 'host-header' ? c.hostHeaderConfig : c.field === 'path-pattern' ? c.pathPatternConfig : undefined)?.regexValues?.length) other = true;
  }
  return { hosts, paths, other };
}

/** A redirect rule whose every part (protocol, port, host, path, query) stays what the request on this listener already has. */
export function redirectsToItself(port: number, protocol: ListenerProtocol, rule: OptimizableRule): boolean {
  const r = redirectOf(rule.actions);
  if (!r) return false;
  const { hosts, paths } = hostsAndPaths(rule.conditions);
  if (r.host !== undefined && r.host !== '#{host}' && !hosts.has(r.host)) return false;
  if (r.path !== undefined && r.path !== '/#{path}' && !paths.has(r.path)) return false;
  if (r.port !== undefined && r.port !== '#{port}' && r.port !== String(port)) return false;
  if (r.protocol !== undefined && r.protocol !== '#{protocol}' && r.protocol !== protocol) return false;
  if (r.query !== undefined && r.query !== '#{query}') return false;
  return true;
}

const isSubset = (small: ReadonlySet<string>, big: ReadonlySet<string>): boolean => [...small].every((x) => big.has(x));

/** Does every request that `later` matches also match `earlier` (judged on host and path only)? */
export function covers(earlier: readonly RuleCondition[], later: readonly RuleCondition[]): boolean {
  const e = hostsAndPaths(earlier);
  if (e.other) return false;
  const l = hostsAndPaths(later);
  const hostsCovered = e.hosts.size === 0 || (l.hosts.size > 0 && isSubset(l.hosts, e.hosts));
  const pathsCovered = e.paths.size === 0 || e.paths.has('/*') || (l.paths.size > 0 && isSubset(l.paths, e.paths));
  return hostsCovered && pathsCovered;
}

/** Pure; keeps the order of the rules it keeps. */
export function optimizeRules<R extends OptimizableRule>(port: number, protocol: ListenerProtocol, rules: readonly R[]): Optimized<R> {
  const kept: R[] = [];
  const dropped: { rule: R; why: DropReason; by?: R }[] = [];
  for (const rule of rules) {
    if (redirectsToItself(port, protocol, rule)) { dropped.push({ rule, why: 'redirect-loop' }); continue; }
    const by = kept.find((k) => redirectOf(k.actions) !== undefined && covers(k.conditions, rule.conditions));
    if (by) { dropped.push({ rule, why: 'shadowed', by }); continue; }
    kept.push(rule);
  }
  return { kept, dropped };
}
