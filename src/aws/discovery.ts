// Facts about the account that the builder needs, cached with TTLs and shared by every group's reconcile:
// the VPC, its subnets and security groups, and the ISSUED ACM certificates with the names they cover.
// Concurrent callers share one in-flight request; a failed load is not cached.
//
// Cost when every cache is cold: DescribeVpcs 1, DescribeSubnets 1, DescribeSecurityGroups 1 (per 1000),
// ListCertificates 1, DescribeCertificate one per certificate. Warm: zero.
import type { ACMClient } from '@aws-sdk/client-acm';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { trustStoreArnByName } from './elbv2.ts';
import { listRegionalWebAcls } from './addons.ts';
import type { DiscoveredCertificate, DiscoveredFacts, DiscoveredSecurityGroup, DiscoveredSubnet } from '../model/discovery.ts';
import { describeCertificate, listCertificates } from './acm.ts';
import { describeSecurityGroups, describeSubnets, describeVpc } from './ec2.ts';
import { mapLimit, tagMap } from './util.ts';

export interface DiscoveryTtls {
  readonly vpcMs: number;
  readonly subnetsMs: number;
  readonly securityGroupsMs: number;
  /** the list of ISSUED certificates (upstream: 1 min) */
  readonly certificateListMs: number;
  /** names of an imported certificate, which can be re-imported with new names (upstream: 5 min) */
  readonly importedCertificateMs: number;
  /** names of an ACM-issued (amazon or private CA) certificate, fixed for its life (upstream: 10 h) */
  readonly issuedCertificateMs: number;
  /** the regional WAFv2 web ACLs by name (upstream: 10 min) */
  readonly webAclsMs: number;
  /** a trust store's ARN by its name (a name, once taken, stays with its trust store until it is deleted) */
  readonly trustStoresMs: number;
}

export const DEFAULT_DISCOVERY_TTLS: DiscoveryTtls = {
  vpcMs: 10 * 60_000,
  subnetsMs: 5 * 60_000,
  securityGroupsMs: 5 * 60_000,
  certificateListMs: 60_000,
  importedCertificateMs: 5 * 60_000,
  issuedCertificateMs: 10 * 3_600_000,
  webAclsMs: 10 * 60_000,
  trustStoresMs: 10 * 60_000,
};

export interface DiscoveryOptions {
  /** the cluster's VPC (--aws-vpc-id); without it, subnets and security groups are not discovered */
  readonly vpcId?: string;
  readonly ttls?: Partial<DiscoveryTtls>;
  /** --allowed-certificate-authority-arns: when non-empty, only certificates issued by these private CAs */
  readonly allowedCertificateAuthorityArns?: readonly string[];
  /** milliseconds; injectable for tests */
  readonly now?: () => number;
  /** parallel DescribeCertificate calls */
  readonly concurrency?: number;
}

export interface DiscoveredVpc {
  readonly id: string;
  readonly cidrs: readonly string[];
}

export interface FactsToDiscover {
  readonly subnets?: boolean;
  readonly securityGroups?: boolean;
  readonly certificates?: boolean;
  /** the regional WAFv2 web ACLs (only when a stack names one; default false) */
  readonly webAcls?: boolean;
  /** trust stores to look up by name (mutual-authentication; default none) */
  readonly trustStoreNames?: readonly string[];
}

interface Entry<V> {
  value?: V;
  expiresAt: number;
  loading?: Promise<V>;
}

/** a keyed cache whose loader also decides how long each value lives */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get(key: K, load: () => Promise<V>, ttlMs: number | ((v: V) => number)): Promise<V> {
    const e = this.#entries.get(key);
    if (e?.loading) return e.loading;
    if (e && 'value' in e && this.#now() < e.expiresAt) return Promise.resolve(e.value as V);
    const entry: Entry<V> = e ?? { expiresAt: 0 };
    const loading = load().then(
      (v) => {
        entry.value = v;
        entry.expiresAt = this.#now() + (typeof ttlMs === 'number' ? ttlMs : ttlMs(v));
        delete entry.loading;
        return v;
      },
      (err: unknown) => {
        delete entry.loading;
        if (!('value' in entry)) this.#entries.delete(key);
        throw err;
      },
    );
    entry.loading = loading;
    this.#entries.set(key, entry);
    return loading;
  }

  /** stores a value read elsewhere (e.g. by a batched load) as if get() had loaded it */
  set(key: K, value: V, ttlMs: number): void {
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** drops entries whose key is not in `keep` */
  retain(keep: ReadonlySet<K>): void {
    for (const k of this.#entries.keys()) if (!keep.has(k)) this.#entries.delete(k);
  }
}

interface CertificateNames {
  readonly domainName: string;
  readonly subjectAlternativeNames: readonly string[];
  readonly type?: string;
  readonly notAfter?: string;
  readonly certificateAuthorityArn?: string;
}

export class Discovery {
  readonly vpcId: string | undefined;
  readonly #ec2: EC2Client;
  readonly #acm: ACMClient;
  readonly #wafv2: (() => WAFV2Client) | undefined;
  readonly #elbv2: ElasticLoadBalancingV2Client | undefined;
  readonly #ttls: DiscoveryTtls;
  readonly #allowedCAs: readonly string[];
  readonly #concurrency: number;
  readonly #single: TtlCache<string, unknown>;
  readonly #certNames: TtlCache<string, CertificateNames>;

  /**
   * `addons`: the WAFv2 client, read only when a web ACL name is to be resolved (it is built on first use); `elbv2`:
   * for trust store names (without it they stay unresolved)
   */
  constructor(clients: {
    readonly ec2: EC2Client; readonly acm: ACMClient; readonly addons?: { readonly wafv2: WAFV2Client }; readonly elbv2?: ElasticLoadBalancingV2Client;
  }, opts: DiscoveryOptions = {}) {
    this.#ec2 = clients.ec2;
    this.#elbv2 = clients.elbv2;
    this.#acm = clients.acm;
    const addons = clients.addons;
    this.#wafv2 = addons ? () => addons.wafv2 : undefined;
    this.vpcId = opts.vpcId;
    this.#ttls = { ...DEFAULT_DISCOVERY_TTLS, ...opts.ttls };
    this.#allowedCAs = opts.allowedCertificateAuthorityArns ?? [];
    this.#concurrency = opts.concurrency ?? 4;
    const now = opts.now ?? Date.now;
    this.#single = new TtlCache(now);
    this.#certNames = new TtlCache(now);
  }

  /**
   * the VPC and its CIDR blocks; undefined when no VPC ID was given or it does not exist. Another VPC than the
   * cluster's may be asked for (a TargetGroupBinding's target group in a peered VPC).
   */
  vpc(vpcId: string | undefined = this.vpcId): Promise<DiscoveredVpc | undefined> {
    if (vpcId === undefined) return Promise.resolve(undefined);
    return this.#cached(vpcId === this.vpcId ? 'vpc' : `vpc:${vpcId}`, this.#ttls.vpcMs, async () => {
      const v = await describeVpc(this.#ec2, vpcId);
      if (!v?.VpcId) return undefined;
      const cidrs = (v.CidrBlockAssociationSet ?? [])
        .filter((a) => a.CidrBlock && (a.CidrBlockState?.State ?? 'associated') === 'associated')
        .map((a) => a.CidrBlock as string);
      return { id: v.VpcId, cidrs: cidrs.length > 0 ? cidrs : v.CidrBlock ? [v.CidrBlock] : [] };
    });
  }

  /** every subnet of the VPC, sorted by ID; the builder picks among them */
  subnets(): Promise<readonly DiscoveredSubnet[] | undefined> {
    const vpcId = this.vpcId;
    if (vpcId === undefined) return Promise.resolve(undefined);
    return this.#cached('subnets', this.#ttls.subnetsMs, async () =>
      (await describeSubnets(this.#ec2, [{ Name: 'vpc-id', Values: [vpcId] }]))
        .filter((s) => s.SubnetId && s.AvailabilityZone)
        .map((s): DiscoveredSubnet => ({
          id: s.SubnetId as string,
          availabilityZone: s.AvailabilityZone as string,
          ...(s.AvailabilityZoneId ? { availabilityZoneId: s.AvailabilityZoneId } : {}),
          cidrBlock: s.CidrBlock ?? '',
          ...ipv6Cidrs(s.Ipv6CidrBlockAssociationSet),
          vpcId: s.VpcId ?? vpcId,
          availableIpAddressCount: s.AvailableIpAddressCount ?? 0,
          tags: tagMap(s.Tags),
        }))
        .sort((a, b) => a.id.localeCompare(b.id)));
  }

  /** every security group of the VPC, sorted by ID (to resolve names given in annotations) */
  securityGroups(): Promise<readonly DiscoveredSecurityGroup[] | undefined> {
    const vpcId = this.vpcId;
    if (vpcId === undefined) return Promise.resolve(undefined);
    return this.#cached('securityGroups', this.#ttls.securityGroupsMs, async () =>
      (await describeSecurityGroups(this.#ec2, { filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
        .filter((g) => g.GroupId)
        .map((g): DiscoveredSecurityGroup => ({ id: g.GroupId as string, name: g.GroupName ?? '', vpcId: g.VpcId ?? vpcId, tags: tagMap(g.Tags) }))
        .sort((a, b) => a.id.localeCompare(b.id)));
  }

  /**
   * ISSUED certificates of every key type, with every name each covers. The list is re-read after
   * certificateListMs; each certificate's names (DescribeCertificate, since list summaries may lack SANs)
   * live longer: importedCertificateMs for imported ones, issuedCertificateMs for ACM-issued ones.
   */
  certificates(): Promise<readonly DiscoveredCertificate[]> {
    return this.#cached('certificates', this.#ttls.certificateListMs, async () => {
      const summaries = (await listCertificates(this.#acm, { statuses: ['ISSUED'] })).filter((s) => s.CertificateArn);
      this.#certNames.retain(new Set(summaries.map((s) => s.CertificateArn as string)));
      const certs = await mapLimit(summaries, this.#concurrency, async (s): Promise<DiscoveredCertificate | undefined> => {
        const arn = s.CertificateArn as string;
        const names = await this.#certNames.get(arn, () => this.#describeNames(arn),
          (n) => (n.type === 'IMPORTED' ? this.#ttls.importedCertificateMs : this.#ttls.issuedCertificateMs));
        if (this.#allowedCAs.length > 0 && !(names.certificateAuthorityArn && this.#allowedCAs.includes(names.certificateAuthorityArn))) return undefined;
        const type = names.type ?? s.Type;
        return {
          arn,
          domainName: names.domainName || s.DomainName || '',
          subjectAlternativeNames: names.subjectAlternativeNames,
          status: s.Status ?? 'ISSUED',
          ...(type ? { type } : {}),
          ...(names.notAfter ? { notAfter: names.notAfter } : s.NotAfter ? { notAfter: s.NotAfter.toISOString() } : {}),
        };
      });
      return certs.filter((c): c is DiscoveredCertificate => c !== undefined).sort((a, b) => a.arn.localeCompare(b.arn));
    });
  }

  /** regional WAFv2 web ACLs, name → ARN; undefined without a WAFv2 client */
  webAcls(): Promise<Readonly<Record<string, string>> | undefined> {
    const client = this.#wafv2;
    if (client === undefined) return Promise.resolve(undefined);
    return this.#cached('webAcls', this.#ttls.webAclsMs, () => listRegionalWebAcls(client()));
  }

  /** trust stores by name → ARN, null for a name no trust store has; undefined without an ELBv2 client */
  async trustStores(names: readonly string[]): Promise<Readonly<Record<string, string | null>> | undefined> {
    const client = this.#elbv2;
    if (client === undefined) return undefined;
    const key = (name: string): string => `trustStore:${name}`;
    const arns = await mapLimit(names, this.#concurrency, (name) =>
      this.#cached(key(name), this.#ttls.trustStoresMs, async () => (await trustStoreArnByName(client, name)) ?? null));
    // a missing one is asked for again next time: the user may be creating it now
    names.forEach((name, i) => { if (arns[i] === null) this.#single.delete(key(name)); });
    return Object.fromEntries(names.map((name, i) => [name, arns[i] ?? null]));
  }

  /** the facts the builder needs; skip what no member needs (e.g. certificates when nothing listens on HTTPS) */
  async discoverFacts(what: FactsToDiscover = {}): Promise<DiscoveredFacts> {
    const want = (k: 'subnets' | 'securityGroups' | 'certificates'): boolean => what[k] ?? true;
    const names = what.trustStoreNames ?? [];
    const [vpc, subnets, securityGroups, certificates, wafv2WebAcls, trustStores] = await Promise.all([
      this.vpc(),
      want('subnets') ? this.subnets() : undefined,
      want('securityGroups') ? this.securityGroups() : undefined,
      want('certificates') ? this.certificates() : undefined,
      what.webAcls ? this.webAcls() : undefined,
      names.length > 0 ? this.trustStores(names) : undefined,
    ]);
    return {
      ...(this.vpcId !== undefined ? { vpcId: vpc?.id ?? this.vpcId } : {}),
      ...(vpc ? { vpcCidrs: vpc.cidrs } : {}),
      ...(subnets ? { subnets } : {}),
      ...(securityGroups ? { securityGroups } : {}),
      ...(certificates ? { certificates } : {}),
      ...(wafv2WebAcls ? { wafv2WebAcls } : {}),
      ...(trustStores ? { trustStores } : {}),
    };
  }

  /** forget cached facts, e.g. after a user reports a new subnet or certificate */
  invalidate(what?: 'vpc' | 'subnets' | 'securityGroups' | 'certificates' | 'webAcls'): void {
    if (what === undefined) {
      this.#single.clear();
      this.#certNames.clear();
      return;
    }
    this.#single.delete(what);
    if (what === 'certificates') this.#certNames.clear();
  }

  #cached<V>(key: string, ttlMs: number, load: () => Promise<V>): Promise<V> {
    return this.#single.get(key, load, ttlMs) as Promise<V>;
  }

  async #describeNames(arn: string): Promise<CertificateNames> {
    const d = await describeCertificate(this.#acm, arn);
    const domainName = d?.DomainName ?? '';
    // moto returns SANs as an unordered set; AWS lists the domain name first
    const sans = [...new Set([...(domainName ? [domainName] : []), ...(d?.SubjectAlternativeNames ?? [])])];
    return {
      domainName,
      subjectAlternativeNames: sans,
      ...(d?.Type ? { type: d.Type } : {}),
      ...(d?.NotAfter ? { notAfter: d.NotAfter.toISOString() } : {}),
      ...(d?.CertificateAuthorityArn ? { certificateAuthorityArn: d.CertificateAuthorityArn } : {}),
    };
  }
}

/** the associated IPv6 CIDRs of a subnet, as `ipv6CidrBlocks` when there are any */
function ipv6Cidrs(set: readonly { Ipv6CidrBlock?: string; Ipv6CidrBlockState?: { State?: string } }[] | undefined): { ipv6CidrBlocks?: string[] } {
  const cidrs = (set ?? []).filter((a) => a.Ipv6CidrBlock && (a.Ipv6CidrBlockState?.State ?? 'associated') === 'associated').map((a) => a.Ipv6CidrBlock as string);
  return cidrs.length > 0 ? { ipv6CidrBlocks: cidrs } : {};
}
