// create-acm-cert (ADR 0018): the certificates this controller requests for a stack, found by their tags
// (elbv2.k8s.aws/cluster, ingress.k8s.aws/stack, ingress.k8s.aws/resource, as upstream, so upstream's are adopted).
// Before a group's build, `ensure` requests each missing one and reads the state of each (DescribeCertificate: its
// status and the DNS records ACM validates with); it never waits for issuance: the Ingress waits, reported, and the
// group is reconciled again. After a successful apply, `release` deletes the stack's certificates no Ingress asks for,
// never one a listener of the stack still uses or one ACM says is in use; only certificates with this cluster's and
// this stack's tags are ever deleted.
//
// Cost: ListCertificates once per minute (shared by every group, re-read after our own writes), ListTagsForCertificate
// once per certificate ever seen (tags of a certificate are not changed by us afterwards), DescribeCertificate per
// certificate of the stack per reconcile of a group with the gate on.
import { createHash } from 'node:crypto';
import type { ACMClient, CertificateDetail } from '@aws-sdk/client-acm';
import { deleteCertificate, describeCertificate, listCertificateTags, listCertificates, requestCertificate } from '../aws/acm.ts';
import { isAwsError } from '../aws/errors.ts';
import { mapLimit } from '../aws/util.ts';
import type { CertificateRequest } from '../ingress/index.ts';
import { FAILED_CERTIFICATE_STATUSES } from '../ingress/index.ts';
import type { ManagedCertificate, ValidationRecord } from '../model/index.ts';
import { resourceTagKey, stackTagKey, TAG_CLUSTER } from '../model/index.ts';

const ALL_STATUSES = ['PENDING_VALIDATION', 'ISSUED', 'INACTIVE', 'EXPIRED', 'VALIDATION_TIMED_OUT', 'REVOKED', 'FAILED'] as const;
const READS_IN_FLIGHT = 4;

export interface CertificateManagerOptions {
  readonly clusterName: string;
  /** how long the account's certificate list is reused (60 s) */
  readonly listTtlMs?: number;
  readonly now?: () => number;
}

export interface EnsureResult {
  /** the stack's certificates after the requests */
  readonly managed: readonly ManagedCertificate[];
  /** ARNs requested by this call */
  readonly requested: readonly string[];
}

const sorted = (xs: Iterable<string>): string[] => [...new Set([...xs].map((x) => x.toLowerCase()))].sort();
const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** a certificate that serves what `r` asks for, or will once issued */
export const satisfies = (c: ManagedCertificate, r: CertificateRequest): boolean =>
  c.resourceId === r.resourceId && sameNames(c.subjectAlternativeNames, r.subjectAlternativeNames) && !FAILED_CERTIFICATE_STATUSES.has(c.status)
  && (c.type === undefined || c.type === (r.certificateAuthorityArn ? 'PRIVATE' : 'AMAZON_ISSUED'));

function toManaged(arn: string, resourceId: string, d: CertificateDetail | undefined): ManagedCertificate {
  const records: ValidationRecord[] = (d?.DomainValidationOptions ?? []).flatMap((o) => (o.ResourceRecord?.Name
    ? [{ domainName: o.DomainName ?? '', name: o.ResourceRecord.Name, type: o.ResourceRecord.Type ?? 'CNAME', value: o.ResourceRecord.Value ?? '' }] : []));
  return {
    arn, resourceId, domainName: d?.DomainName ?? '',
    subjectAlternativeNames: sorted([...(d?.SubjectAlternativeNames ?? []), ...(d?.DomainName ? [d.DomainName] : [])]),
    status: d?.Status ?? 'UNKNOWN', ...(d?.Type ? { type: d.Type } : {}), validationRecords: records, inUseBy: [...(d?.InUseBy ?? [])],
    ...(d?.CreatedAt ? { createdAt: d.CreatedAt.toISOString() } : {}),
  };
}

export class CertificateManager {
  readonly #acm: ACMClient;
  readonly #cluster: string;
  readonly #ttl: number;
  readonly #now: () => number;
  /** tags by certificate ARN */
  readonly #tags = new Map<string, Record<string, string>>();
  #list: { arns: string[]; at: number } | undefined;
  /**
   * what this process requested and deleted, and when: a listing may have started before (another group's reconcile
   * runs meanwhile), so these correct every listing until one that started later shows the change
   */
  readonly #made = new Map<string, number>();
  readonly #gone = new Map<string, number>();

  constructor(acm: ACMClient, opts: CertificateManagerOptions) {
    this.#acm = acm;
    this.#cluster = opts.clusterName;
    this.#ttl = opts.listTtlMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
  }

  async #arns(): Promise<string[]> {
    if (!this.#list || this.#now() - this.#list.at >= this.#ttl) {
      const at = this.#now();
      const arns = (await listCertificates(this.#acm, { statuses: ALL_STATUSES })).flatMap((s) => (s.CertificateArn ? [s.CertificateArn] : []));
      const live = new Set(arns);
      for (const [arn, t] of this.#made) if (t < at && live.has(arn)) this.#made.delete(arn);
      for (const [arn, t] of this.#gone) if (t < at && !live.has(arn)) this.#gone.delete(arn);
      for (const arn of this.#tags.keys()) if (!live.has(arn) && !this.#made.has(arn)) this.#tags.delete(arn);
      this.#list = { arns, at };
    }
    return [...new Set([...this.#list.arns, ...this.#made.keys()])].filter((arn) => !this.#gone.has(arn));
  }

  /** the stack's certificates (undefined: every stack's of the cluster, for plan --live), each described now */
  async observe(stackId?: string): Promise<ManagedCertificate[]> {
    const arns = await this.#arns();
    const owned = await mapLimit(arns, READS_IN_FLIGHT, async (arn) => {
      let tags = this.#tags.get(arn);
      if (!tags) {
        try {
          tags = await listCertificateTags(this.#acm, arn);
        } catch (err) {
          if (isAwsError(err, 'NotFound')) return undefined;
          throw err;
        }
        this.#tags.set(arn, tags);
      }
      const resourceId = tags[resourceTagKey('ingress')];
      const stack = tags[stackTagKey('ingress')];
      return tags[TAG_CLUSTER] === this.#cluster && stack !== undefined && (stackId === undefined || stack === stackId) && resourceId ? { arn, resourceId } : undefined;
    });
    const mine = owned.filter((x): x is { arn: string; resourceId: string } => x !== undefined);
    const described = await mapLimit(mine, READS_IN_FLIGHT, async ({ arn, resourceId }) => {
      try {
        return toManaged(arn, resourceId, await describeCertificate(this.#acm, arn));
      } catch (err) {
        if (isAwsError(err, 'NotFound')) return undefined;
        throw err;
      }
    });
    return described.filter((c): c is ManagedCertificate => c !== undefined).sort((a, b) => a.arn.localeCompare(b.arn));
  }

  /** requests each certificate the stack lacks (never waits for it to be issued) */
  async ensure(stackId: string, requests: readonly CertificateRequest[]): Promise<EnsureResult> {
    const managed = await this.observe(stackId);
    const missing = requests.filter((r) => !managed.some((c) => satisfies(c, r)));
    if (missing.length === 0) return { managed, requested: [] };
    const requested: string[] = [];
    for (const r of missing) {
      const arn = await requestCertificate(this.#acm, {
        domainName: r.domainName, subjectAlternativeNames: r.subjectAlternativeNames, tags: r.tags,
        ...(r.certificateAuthorityArn ? { certificateAuthorityArn: r.certificateAuthorityArn } : {}),
        idempotencyToken: idempotencyToken(this.#cluster, stackId, r, managed.filter((c) => c.resourceId === r.resourceId).map((c) => c.arn)),
      });
      requested.push(arn);
      this.#tags.set(arn, r.tags);
      this.#made.set(arn, this.#now());
    }
    const described = await mapLimit(requested, READS_IN_FLIGHT, async (arn) => {
      const r = missing[requested.indexOf(arn)] as CertificateRequest;
      return toManaged(arn, r.resourceId, await describeCertificate(this.#acm, arn));
    });
    return { managed: [...managed.filter((c) => !requested.includes(c.arn)), ...described], requested };
  }

  /**
   * Deletes the stack's certificates that no request is satisfied by, except those `inUse` (the certificates on the
   * stack's listeners now) and those ACM reports in use by anything but the stack's own load balancers (`ownLoadBalancers`,
   * whose listeners `inUse` already accounts for: ACM's InUseBy lags their changes). `managed`: as ensure found them.
   */
  async release(managed: readonly ManagedCertificate[], requests: readonly CertificateRequest[], inUse: ReadonlySet<string>,
    ownLoadBalancers: readonly string[] = []): Promise<string[]> {
    const own = ownLoadBalancers.map((arn) => arn.split(':loadbalancer/')[1]).filter((x): x is string => !!x);
    const usedElsewhere = (c: ManagedCertificate): boolean => c.inUseBy.some((user) => !own.some((lb) => user.includes(`/${lb}`)));
    const unwanted = managed.filter((c) => !requests.some((r) => satisfies(c, r)) && !inUse.has(c.arn) && !usedElsewhere(c));
    const deleted: string[] = [];
    for (const c of unwanted) {
      try {
        await deleteCertificate(this.#acm, c.arn);
      } catch (err) {
        if (!isAwsError(err, 'NotFound')) throw err;
      }
      deleted.push(c.arn);
      this.#tags.delete(c.arn);
      this.#made.delete(c.arn);
      this.#gone.set(c.arn, this.#now());
    }
    return deleted;
  }
}

/**
 * ACM idempotency token (at most 32 word characters): the same request gets the same token, unless a certificate
 * for it failed since (`before`: the ARNs already made for the resource), which must not be handed back again
 */
const idempotencyToken = (cluster: string, stackId: string, r: CertificateRequest, before: readonly string[]): string =>
  createHash('sha256').update(JSON.stringify([cluster, stackId, r.resourceId, r.subjectAlternativeNames, r.certificateAuthorityArn ?? '', before])).digest('hex').slice(0, 32);
