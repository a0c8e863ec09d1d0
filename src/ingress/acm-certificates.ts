// create-acm-cert (feature gate EnableCertificateManagement): the ACM certificate an Ingress asks the controller
// to request for its hosts, and which certificate its HTTPS listeners use meanwhile. Facts from upstream:
// - names: every spec.rules[].host and spec.tls[].hosts, sorted and unique; DomainName is the alphabetically first
//   (here: the first that fits ACM's 64-character limit on it), SubjectAlternativeNames all of them;
// - private CA: acm-pca-arn (an empty value is unset), else --default-pca-arn, else DNS validation (AMAZON_ISSUED);
// - resource ID (the ingress.k8s.aws/resource tag, so certificates upstream requested are adopted):
//   `<amazon_issued|private>/<DomainName, "*" as "wildcard">-<first 8 hex of sha256("namespace/name")>`.
// ACM's rules (RequestCertificate, https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html,
// and ACM quotas, https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html): at most 10 domain names per
// certificate by default, each at most 253 characters, DomainName at most 64; a wildcard only as a whole first label
// ("*.example.com"); at least two labels of letters, digits and hyphens, at most 63 characters each.
import { createHash } from 'node:crypto';
import type { Issue, Known, ManagedCertificate, Note } from '../model/index.ts';
import { stackTags, unknown } from '../model/index.ts';
import { PREFIX } from './annotations/index.ts';
import { type BuildContext, keyValueMap, withDefaultTags } from './context.ts';
import type { Member } from './group.ts';
import { type BuildConfig, gateOn, issue } from './snapshot.ts';

export const GATE = 'EnableCertificateManagement';
/** ACM's default quota of domain names per certificate (adjustable in Service Quotas) */
export const ACM_MAX_DOMAIN_NAMES = 10;
export const ACM_MAX_NAME_LENGTH = 253;
/** the DomainName becomes the certificate's Common Name */
export const ACM_MAX_DOMAIN_NAME_LENGTH = 64;
/** the Unknown a listener holds for a certificate not issued yet */
export const ACM_CERTIFICATE_UNKNOWN = 'discovery:acm-certificate:';
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** what RequestCertificate is called with for one Ingress */
export interface CertificateRequest {
  readonly resourceId: string;
  readonly domainName: string;
  /** sorted, domainName included */
  readonly subjectAlternativeNames: readonly string[];
  /** private CA; absent: AMAZON_ISSUED with DNS validation */
  readonly certificateAuthorityArn?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** why a name cannot be on an ACM certificate, or undefined */
export function acmNameProblem(name: string): string | undefined {
  if (name.length > ACM_MAX_NAME_LENGTH) return `is ${name.length} characters long; ACM takes at most ${ACM_MAX_NAME_LENGTH}`;
  const labels = name.split('.');
  const rest = labels[0] === '*' ? labels.slice(1) : labels;
  if (rest.length < 2) return 'needs at least two labels (such as example.com)';
  const bad = rest.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return bad.includes('*') ? 'may have a wildcard only as its whole first label (*.example.com)'
      : `has label "${bad}": ACM takes letters, digits and inner hyphens, 1 to 63 characters per label`;
  }
  return undefined;
}

/** the names of an Ingress, lower-case, sorted and unique, each with where it was first written */
export function ingressHostNames(m: Member): { name: string; field: string }[] {
  const seen = new Map<string, string>();
  const add = (host: string | undefined, field: string): void => {
    const h = host?.toLowerCase();
    if (h && !seen.has(h)) seen.set(h, field);
  };
  (m.ing.spec?.rules ?? []).forEach((r, i) => add(r.host, `spec.rules[${i}].host`));
  (m.ing.spec?.tls ?? []).forEach((t, i) => (t.hosts ?? []).forEach((h, j) => add(h, `spec.tls[${i}].hosts[${j}]`)));
  return [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, field]) => ({ name, field }));
}

/** upstream's resource ID of an Ingress's certificate */
export function acmResourceId(m: Member, domainName: string, privateCa: boolean): string {
  const hash = createHash('sha256').update(`${m.ref.namespace ?? ''}/${m.ref.name}`, 'utf8').digest('hex').slice(0, 8);
  return `${privateCa ? 'private' : 'amazon_issued'}/${domainName.replaceAll('*', 'wildcard')}-${hash}`;
}

/** create-acm-cert with the gate on, and no explicit certificate (certificate-arn, IngressClassParams certificateArn: they win, as upstream) */
export function wantsCertificate(config: BuildConfig, m: Member): boolean {
  return m.annotations.createAcmCert === true && gateOn(config, GATE)
    && !(m.annotations.certificateArns?.length ?? 0) && !(m.params?.spec.certificateArn?.length ?? 0);
}

/**
 * The certificates a group's members ask for, before the build (they are requested first): members with Issues from
 * their annotations are left out (a broken Ingress changes nothing in AWS).
 */
export function certificateRequests(config: BuildConfig, stackId: string, members: readonly Member[]): CertificateRequest[] {
  return members.filter((m) => m.issues.length === 0 && wantsCertificate(config, m))
    .flatMap((m) => certificateRequestOf(config, stackId, m).request ?? []);
}

/** The certificate an Ingress with create-acm-cert asks for, or the Issues that stop it. */
export function certificateRequestOf(config: BuildConfig, stackId: string, m: Member): { request?: CertificateRequest; issues: Issue[] } {
  const field = `${PREFIX}create-acm-cert`;
  const names = ingressHostNames(m);
  const issues: Issue[] = [];
  if (names.length === 0) {
    issues.push(issue(m.ref, field, 'InvalidCertificateRequest', 'a certificate needs at least one name: set spec.rules[].host or spec.tls[].hosts'));
  }
  for (const n of names) {
    const problem = acmNameProblem(n.name);
    if (problem) issues.push(issue(m.ref, n.field, 'InvalidCertificateRequest', `host "${n.name}" cannot be on an ACM certificate: it ${problem}`));
  }
  if (names.length > ACM_MAX_DOMAIN_NAMES) {
    issues.push(issue(m.ref, field, 'AwsLimitExceeded',
      `the Ingress has ${names.length} hosts; an ACM certificate covers at most ${ACM_MAX_DOMAIN_NAMES} domain names (ACM's default quota "Domain names per ACM certificate"): split the Ingress, or set certificate-arn`));
  }
  const domain = names.find((n) => n.name.length <= ACM_MAX_DOMAIN_NAME_LENGTH);
  if (names.length > 0 && !domain) {
    issues.push(issue(m.ref, field, 'InvalidCertificateRequest', `every host is over ${ACM_MAX_DOMAIN_NAME_LENGTH} characters; ACM needs one that fits as the certificate's domain name (common name)`));
  }
  if (issues.length > 0 || !domain) return { issues };
  const pca = m.annotations.acmPcaArn || config.defaultPcaArn || undefined;
  const resourceId = acmResourceId(m, domain.name, pca !== undefined);
  const userTags = { ...(m.annotations.tags ?? {}), ...keyValueMap(m.params?.spec.tags) };
  return {
    issues,
    request: {
      resourceId, domainName: domain.name, subjectAlternativeNames: names.map((n) => n.name),
      ...(pca ? { certificateAuthorityArn: pca } : {}),
      tags: { ...withDefaultTags(config, userTags), ...stackTags(config.clusterName, stackId, resourceId) },
    },
  };
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** a certificate ACM has not issued (yet): the DNS records it waits for, for the status and the Event */
export function pendingReason(c: ManagedCertificate): string {
  const records = c.validationRecords.map((r) => `${r.type} ${r.name} -> ${r.value} (for ${r.domainName})`);
  const dns = records.length > 0 ? `; ACM validates it by DNS: ${records.join(', ')}` : '';
  return `ACM certificate ${c.arn} for ${c.subjectAlternativeNames.join(', ')} is ${c.status}${dns}; the Ingress is served once it is ISSUED`;
}

/** a certificate ACM will not issue: requested again by the controller */
export const FAILED_STATUSES: ReadonlySet<string> = new Set(['FAILED', 'VALIDATION_TIMED_OUT', 'REVOKED', 'EXPIRED', 'INACTIVE']);

/**
 * Which certificate the Ingress's HTTPS listeners use: the requested one once ISSUED; meanwhile an ISSUED one
 * made for the same Ingress with other names (its hosts changed: it keeps serving until the new one is issued);
 * unknown when the managed certificates were not read (plan offline). Otherwise the Ingress waits (an Issue).
 */
export function managedCertificateFor(ctx: BuildContext, m: Member, req: CertificateRequest):
  { arn?: Known<string>; note?: Note; pending?: Issue } {
  const managed = ctx.facts.managedCertificates;
  const subject = `ACM certificate ${req.resourceId}`;
  const what = `${req.certificateAuthorityArn ? `private CA ${req.certificateAuthorityArn}` : 'DNS validation'}, names ${req.subjectAlternativeNames.join(', ')}`;
  const later = unknown(`${ACM_CERTIFICATE_UNKNOWN}${req.resourceId}`);
  if (!managed) return { arn: later, note: { object: m.ref, subject, message: `requested if not there yet (${what}); attached once ISSUED` } };
  const mine = managed.filter((c) => c.resourceId === req.resourceId);
  const exact = mine.find((c) => sameNames(c.subjectAlternativeNames, req.subjectAlternativeNames) && !FAILED_STATUSES.has(c.status));
  if (exact?.status === 'ISSUED') return { arn: exact.arn, note: { object: m.ref, subject, message: `${exact.arn} (ISSUED, made by this controller)` } };
  const previous = mine.find((c) => c.status === 'ISSUED');
  const waiting = exact ? pendingReason(exact) : `to be requested (${what})`;
  if (previous) return { arn: previous.arn, note: { object: m.ref, subject, message: `${previous.arn} keeps serving until the certificate for the new names is ISSUED: ${waiting}` } };
  if (ctx.config.previewCertificates) return { arn: later, note: { object: m.ref, subject, message: `${waiting}; the Ingress is left out until it is ISSUED` } };
  return { pending: issue(m.ref, `${PREFIX}create-acm-cert`, 'CertificatePending', exact ? pendingReason(exact) : `ACM certificate ${waiting}`) };
}
