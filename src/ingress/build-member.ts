// One Ingress → its contribution to the group's stack. Everything that can be judged from the Ingress
// alone is judged here, so that a broken Ingress is found before it touches the group.
import type { Action, IpAddressType, Known, Scheme } from '../model/index.ts';
import { unknown } from '../model/index.ts';
import {
  DEFAULTS, LB_NAME, LB_NAME_MAX, LB_NAME_RULE, LISTENER_ATTRIBUTES_PREFIX, type ListenPort, type MutualAuthEntry, PREFIX, parseJwtValidation,
} from './annotations/index.ts';
import { loadBalancerAttributesProblem } from './annotations/attributes.ts';
import { NONE, wafv2AclArnProblem, wafv2AclNameProblem } from './annotations/web-acl.ts';
import { GATE as ACM_GATE, certificateRequestOf, managedCertificateFor, wantsCertificate } from './acm-certificates.ts';
import { memberLimitIssues } from './aws-limits.ts';
import { type MemberRule, backendRoute, memberRules } from './build-rules.ts';
import type { TargetGroupPlan } from './build-target-groups.ts';
import { ingressCapIssues } from './caps.ts';
import { type FrontendNlbAnnotations, parseFrontendNlbAnnotations } from './annotations/frontend-nlb.ts';
import { chooseCertificate } from './certificates.ts';
import { type BuildContext, type Sink, keyValueMap } from './context.ts';
import type { Member } from './group.ts';
import { append, issue, sortedUnique } from './snapshot.ts';
import type { SubnetSource } from './subnets.ts';

/** A value that all members setting it must agree on; `canonical` is what is compared, `field` where it was set. */
export interface Excl<T> {
  readonly value: T;
  readonly canonical: string;
  readonly field: string;
}

export interface PortContribution {
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly sslPolicy?: Excl<string>;
  readonly inboundCidrs?: Excl<readonly string[]>;
  readonly prefixLists?: Excl<readonly string[]>;
  readonly certificates: readonly Known<string>[];
  /** listener attributes: listener-attributes.<PROTOCOL>-<port>, with IngressClassParams listeners winning key by key */
  readonly attributes?: Readonly<Record<string, string>>;
  /** where they were set, for a conflict's message */
  readonly attributesField?: string;
  /** HTTPS ports only: mutual TLS as mutual-authentication gives it (a trust store by name is resolved in build.ts) */
  readonly mutualAuthentication?: Excl<MutualAuthEntry>;
}

export interface MemberContribution {
  readonly member: Member;
  readonly scheme?: Excl<Scheme>;
  readonly ipAddressType?: Excl<IpAddressType>;
  readonly loadBalancerName?: Excl<string>;
  readonly subnets?: Excl<SubnetSource>;
  readonly securityGroups?: Excl<readonly string[]>;
  readonly manageBackendSecurityGroupRules?: Excl<boolean>;
  readonly sslRedirect?: Excl<number>;
  /** the WAFv2 web ACL the member asks for (by name, by ARN, or none) */
  readonly wafv2Acl?: Excl<WebAclChoice>;
  readonly shieldAdvancedProtection?: Excl<boolean>;
  /** capacity units to reserve: IngressClassParams minimumLoadBalancerCapacity, else the annotation */
  readonly minimumCapacity?: Excl<number>;
  /** the IPAM pool for public IPv4 addresses: IngressClassParams ipamConfiguration, else the annotation */
  readonly ipv4IpamPoolId?: Excl<string>;
  readonly customerOwnedIpv4Pool?: Excl<string>;
  readonly ports: ReadonlyMap<number, PortContribution>;
  /** where the HTTPS certificates come from: certificate-arn, IngressClassParams, or the hosts for discovery */
  readonly certificatesField: string;
  /** group-level user tags (IngressClassParams tags over annotation tags) */
  readonly tags: Readonly<Record<string, string>>;
  readonly tagsField: string;
  readonly lbAttributes: Readonly<Record<string, string>>;
  readonly lbAttributesField: string;
  readonly rules: readonly MemberRule[];
  readonly defaultActions?: readonly Action[];
  readonly targetGroups: readonly TargetGroupPlan[];
  /** every frontend-nlb annotation the member sets, as one value: members that set some must agree on all */
  readonly frontendNlb?: Excl<FrontendNlbAnnotations>;
}

/** a WAFv2 web ACL as a member chose it; `none`: no web ACL (disassociate) */
export type WebAclChoice = { readonly name: string } | { readonly arn: string } | { readonly none: true };

/** JSON with every object's keys sorted: equal settings compare equal whatever order the user wrote them in */
const sortedKeysJson = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'object' && x !== null && !Array.isArray(x)
  ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));

const paramsField = (m: Member, path: string): string => `IngressClassParams(${m.params?.metadata.name ?? ''}).spec.${path}`;
const excl = <T>(value: T, field: string, canonical: string = JSON.stringify(value)): Excl<T> => ({ value, canonical, field });

/** Compiles a member; returns undefined when it has Issues (they are in `sink`). */
export function compileMember(ctx: BuildContext, m: Member, sink: Sink): MemberContribution | undefined {
  append(sink.issues, m.issues);
  const tooLarge = ingressCapIssues(m);
  if (tooLarge.length > 0) {
    append(sink.issues, tooLarge);
    return undefined;
  }
  const a = m.annotations;
  const p = m.params?.spec;
  const ref = m.ref;

  const scheme = p?.scheme !== undefined ? excl(p.scheme, paramsField(m, 'scheme'))
    : a.scheme !== undefined ? excl(a.scheme, `${PREFIX}scheme`) : undefined;
  const ipAddressType = p?.ipAddressType !== undefined ? excl(p.ipAddressType, paramsField(m, 'ipAddressType'))
    : a.ipAddressType !== undefined ? excl(a.ipAddressType, `${PREFIX}ip-address-type`) : undefined;
  let loadBalancerName: Excl<string> | undefined;
  if (p?.loadBalancerName !== undefined) {
    if (p.loadBalancerName.length > LB_NAME_MAX || !LB_NAME.test(p.loadBalancerName)) {
      sink.issues.push(issue(ref, paramsField(m, 'loadBalancerName'), 'InvalidIngressClassParams',
        `load balancer name "${p.loadBalancerName}" is not valid: expected ${LB_NAME_RULE}`));
    } else loadBalancerName = excl(p.loadBalancerName, paramsField(m, 'loadBalancerName'));
  } else if (a.loadBalancerName !== undefined) loadBalancerName = excl(a.loadBalancerName, `${PREFIX}load-balancer-name`);

  let subnets: Excl<SubnetSource> | undefined;
  if (p?.subnets?.ids && p.subnets.ids.length > 0) {
    subnets = excl({ kind: 'explicit', nameOrIds: [...p.subnets.ids] }, paramsField(m, 'subnets.ids'), `ids:${sortedUnique(p.subnets.ids).join(',')}`);
  } else if (p?.subnets?.tags && Object.keys(p.subnets.tags).length > 0) {
    const tags = Object.fromEntries(Object.entries(p.subnets.tags).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, sortedUnique(v)]));
    subnets = excl({ kind: 'tags', tags }, paramsField(m, 'subnets.tags'), `tags:${JSON.stringify(tags)}`);
  } else if (a.subnets !== undefined) {
    subnets = excl({ kind: 'explicit', nameOrIds: [...a.subnets] }, `${PREFIX}subnets`, `ids:${sortedUnique(a.subnets).join(',')}`);
  }
  const securityGroups = a.securityGroups !== undefined
    ? excl<readonly string[]>([...a.securityGroups], `${PREFIX}security-groups`, sortedUnique(a.securityGroups).join(',')) : undefined;
  const manageBackendSecurityGroupRules = a.manageBackendSecurityGroupRules !== undefined
    ? excl(a.manageBackendSecurityGroupRules, `${PREFIX}manage-backend-security-group-rules`) : undefined;

  const nlb = parseFrontendNlbAnnotations(m.obj);
  append(sink.issues, nlb.issues);
  const frontendNlb = Object.keys(nlb.value).length > 0
    ? excl<FrontendNlbAnnotations>(nlb.value, `${PREFIX}${Object.keys(nlb.value).includes('enabled') ? 'enable-frontend-nlb' : 'frontend-nlb-*'}`, sortedKeysJson(nlb.value)) : undefined;

  let sslRedirect: Excl<number> | undefined;
  if (p?.sslRedirectPort !== undefined) {
    const n = /^[0-9]+$/.test(p.sslRedirectPort) ? Number(p.sslRedirectPort) : Number.NaN;
    if (!(n >= 1 && n <= 65535)) {
      sink.issues.push(issue(ref, paramsField(m, 'sslRedirectPort'), 'InvalidIngressClassParams', `sslRedirectPort "${p.sslRedirectPort}" is not a port number`));
    } else sslRedirect = excl(n, paramsField(m, 'sslRedirectPort'));
  } else if (a.sslRedirect !== undefined) sslRedirect = excl(a.sslRedirect, `${PREFIX}ssl-redirect`);

  const units = p?.minimumLoadBalancerCapacity?.capacityUnits;
  const minimumCapacity = units !== undefined ? excl(units, paramsField(m, 'minimumLoadBalancerCapacity.capacityUnits'))
    : a.minimumLoadBalancerCapacity !== undefined ? excl(a.minimumLoadBalancerCapacity, `${PREFIX}minimum-load-balancer-capacity`) : undefined;
  // as upstream: the IngressClassParams pool replaces the annotation, and an empty annotation sets none
  const paramsPool = p?.ipamConfiguration?.ipv4IPAMPoolId;
  const ipv4IpamPoolId = paramsPool !== undefined ? excl(paramsPool, paramsField(m, 'ipamConfiguration.ipv4IPAMPoolId'))
    : a.ipamIpv4PoolId ? excl(a.ipamIpv4PoolId, `${PREFIX}ipam-ipv4-pool-id`) : undefined;
  const customerOwnedIpv4Pool = a.customerOwnedIpv4Pool !== undefined ? excl(a.customerOwnedIpv4Pool, `${PREFIX}customer-owned-ipv4-pool`) : undefined;

  const paramsCerts = p?.certificateArn !== undefined && p.certificateArn.length > 0;
  const explicitCerts = paramsCerts ? [...p.certificateArn] : a.certificateArns;
  const certificatesField = paramsCerts ? paramsField(m, 'certificateArn') : a.certificateArns ? `${PREFIX}certificate-arn`
    : a.createAcmCert ? `${PREFIX}create-acm-cert` : m.ing.spec?.tls?.length ? 'spec.tls' : 'spec.rules';
  const hasExplicit = explicitCerts !== undefined && explicitCerts.length > 0;
  const created = hasExplicit ? undefined : requestedCertificate(ctx, m, sink);
  if (created === null) return undefined;
  const listenPorts: readonly ListenPort[] = a.listenPorts
    ?? (hasExplicit || created ? DEFAULTS.listenPortsHttps : DEFAULTS.listenPortsHttp);
  const hasHttps = listenPorts.some((lp) => lp.protocol === 'HTTPS');
  const certificates: Known<string>[] = !hasHttps ? []
    : hasExplicit ? [...new Set(explicitCerts)] : created ? [created] : discoverCertificates(ctx, m, sink);

  const sslPolicy = p?.sslPolicy !== undefined ? excl(p.sslPolicy, paramsField(m, 'sslPolicy'))
    : a.sslPolicy !== undefined ? excl(a.sslPolicy, `${PREFIX}ssl-policy`) : undefined;
  const cidrs = p?.inboundCIDRs !== undefined && p.inboundCIDRs.length > 0
    ? excl<readonly string[]>(sortedUnique(p.inboundCIDRs), paramsField(m, 'inboundCIDRs'))
    : a.inboundCidrs !== undefined ? excl<readonly string[]>(sortedUnique(a.inboundCidrs), `${PREFIX}inbound-cidrs`) : undefined;
  const prefixLists = memberPrefixLists(m);
  const ports = new Map<number, PortContribution>();
  noteUnusedListenerAttributes(m, listenPorts, sink);
  noteUnusedMutualAuthentication(m, listenPorts, sink);
  for (const lp of listenPorts) {
    const prev = ports.get(lp.port);
    if (prev && prev.protocol !== lp.protocol) {
      sink.issues.push(issue(ref, `${PREFIX}listen-ports`, 'ConflictingValue', `port ${lp.port} is listed as both ${prev.protocol} and ${lp.protocol}`));
      continue;
    }
    ports.set(lp.port, {
      protocol: lp.protocol,
      ...(lp.protocol === 'HTTPS' && sslPolicy ? { sslPolicy } : {}),
      ...(cidrs ? { inboundCidrs: cidrs } : {}),
      ...(prefixLists ? { prefixLists } : {}),
      certificates: lp.protocol === 'HTTPS' ? certificates : [],
      ...listenerAttributesOf(m, lp),
      ...mutualAuthenticationOf(m, lp),
    });
  }

  const addons = memberAddons(ctx, m, sink);

  const tgs = new Map<string, TargetGroupPlan>();
  const jwt = parseJwtValidation(m.obj);
  sink.issues.push(...jwt.issues);
  const scope = { ctx, m, tgs, sink, ...(jwt.value ? { jwt: jwt.value } : {}) };
  const rules = memberRules(scope);
  const db = m.ing.spec?.defaultBackend;
  const defaultRoute = db ? backendRoute(scope, db, 'spec.defaultBackend') : undefined;
  // authentication goes first; refuseAuthOnHttp makes sure these never serve a plain HTTP listener
  const defaultActions = defaultRoute ? [...defaultRoute.auth, ...defaultRoute.actions] : undefined;
  refuseAuthOnHttp(m, [...rules, ...(defaultRoute ? [{ ...defaultRoute, source: 'spec.defaultBackend' }] : [])], listenPorts, sslRedirect, sink);

  if (sink.issues.length > 0) return undefined;
  const c: MemberContribution = {
    member: m, scheme, ipAddressType, loadBalancerName, subnets, securityGroups, manageBackendSecurityGroupRules, sslRedirect, minimumCapacity, ipv4IpamPoolId, customerOwnedIpv4Pool, ...addons, ports,
    certificatesField,
    tags: { ...(a.tags ?? {}), ...keyValueMap(p?.tags) }, tagsField: p?.tags?.length ? paramsField(m, 'tags') : `${PREFIX}tags`,
    lbAttributes: { ...(a.loadBalancerAttributes ?? {}), ...keyValueMap(p?.loadBalancerAttributes) },
    lbAttributesField: p?.loadBalancerAttributes?.length ? paramsField(m, 'loadBalancerAttributes') : `${PREFIX}load-balancer-attributes`,
    rules, ...(defaultActions ? { defaultActions } : {}), targetGroups: [...tgs.values()],
    ...(frontendNlb ? { frontendNlb } : {}),
  };
  const attributes = loadBalancerAttributesProblem(c.lbAttributes);
  const limits = memberLimitIssues(ctx, c);
  if (attributes) limits.push(issue(ref, c.lbAttributesField, p?.loadBalancerAttributes?.length ? 'InvalidIngressClassParams' : 'InvalidAnnotation', attributes));
  if (limits.length > 0) { sink.issues.push(...limits); return undefined; }
  return c;
}

type Addons = Pick<MemberContribution, 'wafv2Acl' | 'shieldAdvancedProtection'>;

/**
 * The member's web ACLs and Shield protection, as upstream picks them: for WAFv2 a name (IngressClassParams
 * wafv2AclName, else the annotation wafv2-acl-name) beats an ARN (wafv2AclArn, else wafv2-acl-arn); "" is not set,
 * "none" is no web ACL. A value its --enable-* flag turns off is refused (upstream ignores it; ADR 16).
 */
function memberAddons(ctx: BuildContext, m: Member, sink: Sink): Addons {
  const a = m.annotations;
  const p = m.params?.spec;
  const on = { wafv2: true, shield: true, ...ctx.config.addons };
  const out: { -readonly [K in keyof Addons]: Addons[K] } = {};
  const refuse = (field: string, flag: string, code = 'InvalidAnnotation') =>
    sink.issues.push(issue(m.ref, field, code, `is turned off in this controller by --${flag}=false; remove it, or run the controller with --${flag}=true`));
  const set = (v: string | undefined): v is string => v !== undefined && v !== '';
  const pick = (kind: 'name' | 'arn', fromParams: string | undefined, fromAnnotation: string | undefined, annotation: string) => {
    const check = kind === 'name' ? wafv2AclNameProblem : wafv2AclArnProblem;
    const paramsKey = kind === 'name' ? 'wafv2AclName' : 'wafv2AclArn';
    if (set(fromParams)) {
      const reason = check(fromParams);
      if (reason) { sink.issues.push(issue(m.ref, paramsField(m, paramsKey), 'InvalidIngressClassParams', `${paramsKey} ${reason}`)); return undefined; }
      return { value: fromParams, field: paramsField(m, paramsKey) };
    }
    return set(fromAnnotation) ? { value: fromAnnotation, field: `${PREFIX}${annotation}` } : undefined;
  };
  const name = pick('name', p?.wafv2AclName, a.wafv2AclName, 'wafv2-acl-name');
  const arn = pick('arn', p?.wafv2AclArn, a.wafv2AclArn, 'wafv2-acl-arn');
  const v2 = name ?? arn;
  if (v2 && !on.wafv2) refuse(v2.field, 'enable-wafv2', v2.field.startsWith(PREFIX) ? 'InvalidAnnotation' : 'InvalidIngressClassParams');
  else if (v2) {
    const choice: WebAclChoice = v2.value === NONE ? { none: true } : v2 === name ? { name: v2.value } : { arn: v2.value };
    out.wafv2Acl = excl(choice, v2.field, 'none' in choice ? NONE : 'name' in choice ? `name:${choice.name}` : `arn:${choice.arn}`);
  }
  if (a.shieldAdvancedProtection !== undefined && !on.shield) refuse(`${PREFIX}shield-advanced-protection`, 'enable-shield');
  else if (a.shieldAdvancedProtection !== undefined) out.shieldAdvancedProtection = excl(a.shieldAdvancedProtection, `${PREFIX}shield-advanced-protection`);
  return out;
}

/**
 * ALB authenticates on HTTPS listeners only (an authenticate-* action on an HTTP listener is refused by AWS, and
 * leaving it out would serve the backend unauthenticated, as upstream does): a member whose rules authenticate
 * may listen on HTTP only when ssl-redirect sends all of it to HTTPS.
 */
function refuseAuthOnHttp(m: Member, routes: readonly { auth: readonly Action[]; source: string }[], ports: readonly ListenPort[],
  sslRedirect: Excl<number> | undefined, sink: Sink): void {
  const authenticated = routes.find((r) => r.auth.length > 0);
  const http = ports.filter((lp) => lp.protocol === 'HTTP').map((lp) => lp.port);
  if (!authenticated || http.length === 0 || sslRedirect !== undefined) return;
  sink.issues.push(issue(m.ref, `${PREFIX}listen-ports`, 'AuthenticationOnHttp',
    `${authenticated.source} asks for ${authenticated.auth[0]?.type ?? 'authentication'}, which ALB runs on HTTPS listeners only, but port ${http.join(', ')} is HTTP: `
    + `listen on HTTPS only, or set ${PREFIX}ssl-redirect so that HTTP requests are redirected to HTTPS`));
}

/**
 * Managed prefix lists allowed in on the member's listen ports, as upstream picks them: IngressClassParams
 * prefixListsIDs, else its legacy spelling PrefixListsIDs, else the security-group-prefix-lists annotation
 * (the values are checked where the IngressClassParams and the annotation are read).
 */
function memberPrefixLists(m: Member): Excl<readonly string[]> | undefined {
  const p = m.params?.spec;
  const [field, ids] = p?.prefixListsIDs?.length ? ['prefixListsIDs', p.prefixListsIDs]
    : p?.PrefixListsIDs?.length ? ['PrefixListsIDs', p.PrefixListsIDs] : [undefined, undefined];
  if (field === undefined || ids === undefined) {
    const a = m.annotations.prefixLists;
    return a !== undefined ? excl<readonly string[]>(sortedUnique(a), `${PREFIX}security-group-prefix-lists`) : undefined;
  }
  return excl<readonly string[]>(sortedUnique(ids), paramsField(m, field));
}

/**
 * The attributes of one listen port: the annotation listener-attributes.<PROTOCOL>-<port>, then the entry of
 * IngressClassParams spec.listeners for that protocol and port, whose keys win (upstream's precedence). Both were
 * checked where they were read (annotations/load-balancer.ts, class-params.ts).
 */
function listenerAttributesOf(m: Member, lp: ListenPort): Pick<PortContribution, 'attributes' | 'attributesField'> {
  const tail = `${lp.protocol}-${lp.port}`;
  const fromAnnotation = m.annotations.listenerAttributes?.[tail] ?? {};
  const i = (m.params?.spec.listeners ?? []).findIndex((l) => l.protocol === lp.protocol && l.port === lp.port);
  const fromParams = i >= 0 ? keyValueMap(m.params?.spec.listeners?.[i]?.listenerAttributes) : {};
  const attributes = { ...fromAnnotation, ...fromParams };
  if (Object.keys(attributes).length === 0) return {};
  return {
    attributes,
    attributesField: Object.keys(fromParams).length > 0 ? paramsField(m, `listeners[${i}].listenerAttributes`) : `${PREFIX}${LISTENER_ATTRIBUTES_PREFIX}${tail}`,
  };
}

/** a listener-attributes annotation for a port the Ingress does not listen on is not an error (as upstream): said in a note */
function noteUnusedListenerAttributes(m: Member, listenPorts: readonly ListenPort[], sink: Sink): void {
  const used = new Set(listenPorts.map((lp) => `${lp.protocol}-${lp.port}`));
  for (const tail of Object.keys(m.annotations.listenerAttributes ?? {})) {
    if (!used.has(tail)) {
      sink.notes.push({ object: m.ref, subject: `${PREFIX}${LISTENER_ATTRIBUTES_PREFIX}${tail}`, message: 'ignored: this Ingress does not listen there (listen-ports)' });
    }
  }
}

const MUTUAL_AUTH_FIELD = `${PREFIX}mutual-authentication`;

function mutualAuthenticationOf(m: Member, lp: ListenPort): Pick<PortContribution, 'mutualAuthentication'> {
  const entry = lp.protocol === 'HTTPS' ? m.annotations.mutualAuthentication?.[lp.port] : undefined;
  return entry ? { mutualAuthentication: excl(entry, MUTUAL_AUTH_FIELD, sortedKeysJson(entry)) } : {};
}

/** an entry for a port that is not an HTTPS listen port of this Ingress is ignored, as upstream does: said in a note */
function noteUnusedMutualAuthentication(m: Member, listenPorts: readonly ListenPort[], sink: Sink): void {
  const https = new Set(listenPorts.filter((lp) => lp.protocol === 'HTTPS').map((lp) => lp.port));
  for (const port of Object.keys(m.annotations.mutualAuthentication ?? {}).map(Number)) {
    if (!https.has(port)) {
      sink.notes.push({ object: m.ref, subject: `${MUTUAL_AUTH_FIELD} port ${port}`, message: 'ignored: not an HTTPS listen port of this Ingress (listen-ports)' });
    }
  }
}

/**
 * create-acm-cert: the certificate the controller requested for this Ingress (an ARN once ISSUED, unknown when
 * not read), undefined when not asked for, null when the Ingress cannot be served yet (Issues in `sink`). Explicit
 * certificates (certificate-arn, IngressClassParams certificateArn) win, as upstream: no certificate is requested.
 */
function requestedCertificate(ctx: BuildContext, m: Member, sink: Sink): Known<string> | undefined | null {
  if (m.annotations.createAcmCert !== true) return undefined;
  if (!wantsCertificate(ctx.config, m)) {
    sink.issues.push(issue(m.ref, `${PREFIX}create-acm-cert`, 'FeatureGateDisabled',
      `requesting ACM certificates is off: start the controller with --feature-gates=${ACM_GATE}=true (upstream's gate, default false), or set ${PREFIX}certificate-arn`));
    return null;
  }
  const { request, issues } = certificateRequestOf(ctx.config, ctx.stackId, m);
  if (!request) { append(sink.issues, issues); return null; }
  const chosen = managedCertificateFor(ctx, m, request);
  if (chosen.note) sink.notes.push(chosen.note);
  if (chosen.pending || chosen.arn === undefined) { if (chosen.pending) sink.issues.push(chosen.pending); return null; }
  return chosen.arn;
}

/** Hosts of the Ingress, each with where it is written. */
function hostsOf(m: Member): { host: string; field: string }[] {
  const out: { host: string; field: string }[] = [];
  const seen = new Set<string>();
  const add = (host: string | undefined, field: string) => {
    if (!host || seen.has(host.toLowerCase())) return;
    seen.add(host.toLowerCase());
    out.push({ host, field });
  };
  (m.ing.spec?.rules ?? []).forEach((r, i) => add(r.host, `spec.rules[${i}].host`));
  (m.ing.spec?.tls ?? []).forEach((t, i) => (t.hosts ?? []).forEach((h, j) => add(h, `spec.tls[${i}].hosts[${j}]`)));
  return out;
}

function discoverCertificates(ctx: BuildContext, m: Member, sink: Sink): Known<string>[] {
  const arns = new Set<string>();
  const unknowns: Known<string>[] = [];
  for (const { host, field } of hostsOf(m)) {
    if (!ctx.facts.certificates) { unknowns.push(unknown(`discovery:certificate:${host}`)); continue; }
    const c = chooseCertificate(host, ctx.facts.certificates);
    if (c.kind === 'none') {
      sink.issues.push(issue(m.ref, field, 'CertificateNotFound', `${c.why}; set ${PREFIX}certificate-arn or issue a certificate for it`));
      continue;
    }
    arns.add(c.arn);
    sink.notes.push({ object: m.ref, subject: `certificate for ${host}`, message: `${c.arn} (${c.why})` });
  }
  // like upstream: discovered certificates in ARN order, so the default certificate does not depend on host order
  return [...[...arns].sort(), ...unknowns];
}
