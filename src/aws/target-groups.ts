// Target groups as TargetGroupBindings see them: what the admission rules compare a binding with (target
// type, IP family, VPC, protocol, health-check port) and the tags that say who owns the target group. Read by
// ARN or by name and cached with a TTL, so a binding's reconcile, its networking pass and the admission
// webhook share one read; a target group that does not exist is remembered for a shorter time.
//
// Cost: a cold ARN costs DescribeTargetGroups 1 + DescribeTags 1; prefetch() reads many ARNs at once
// (⌈n/20⌉ of each). Warm, or created by this process's apply (remember()): zero.
import type { ElasticLoadBalancingV2Client, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TtlCache } from './discovery.ts';
import { describeTags, describeTargetGroups } from './elbv2.ts';
import { toAwsError } from './errors.ts';
import { chunk } from './util.ts';

export interface TargetGroupFacts {
  readonly arn: string;
  readonly name: string;
  /** instance, ip, lambda or alb */
  readonly targetType: string;
  readonly ipAddressType: 'ipv4' | 'ipv6';
  readonly vpcId?: string;
  readonly protocol?: string;
  /** "traffic-port" or a number */
  readonly healthCheckPort?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface TargetGroupDirectoryOptions {
  /** how long facts are trusted (10 minutes): tags that say who owns a target group change by hand only */
  readonly ttlMs?: number;
  /** how long "no such target group" is remembered (10 s: one created meanwhile is soon seen) */
  readonly notFoundTtlMs?: number;
  readonly now?: () => number;
}

/** ARNs per DescribeTargetGroups call in prefetch (DescribeTags takes 20 too) */
const BATCH = 20;

const factsOf = (tg: TargetGroup, tags: Readonly<Record<string, string>>): TargetGroupFacts => ({
  arn: tg.TargetGroupArn ?? '',
  name: tg.TargetGroupName ?? '',
  targetType: tg.TargetType ?? 'instance',
  ipAddressType: tg.IpAddressType === 'ipv6' ? 'ipv6' : 'ipv4',
  ...(tg.VpcId ? { vpcId: tg.VpcId } : {}),
  ...(tg.Protocol ? { protocol: tg.Protocol } : {}),
  ...(tg.HealthCheckPort ? { healthCheckPort: tg.HealthCheckPort } : {}),
  tags,
});

const notFound = (err: unknown): boolean => toAwsError(err).code === 'NotFound';

export class TargetGroupDirectory {
  readonly #elbv2: ElasticLoadBalancingV2Client;
  readonly #ttlMs: number;
  readonly #notFoundTtlMs: number;
  readonly #byArn: TtlCache<string, TargetGroupFacts | undefined>;
  /** name → ARN (names are unique per account and region) */
  readonly #byName: TtlCache<string, string | undefined>;

  constructor(elbv2: ElasticLoadBalancingV2Client, opts: TargetGroupDirectoryOptions = {}) {
    this.#elbv2 = elbv2;
    this.#ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.#notFoundTtlMs = opts.notFoundTtlMs ?? 10_000;
    const now = opts.now ?? Date.now;
    this.#byArn = new TtlCache(now);
    this.#byName = new TtlCache(now);
  }

  /** the target group with this ARN, undefined when AWS has none; a malformed ARN throws (AwsError Validation) */
  byArn(arn: string): Promise<TargetGroupFacts | undefined> {
    return this.#byArn.get(arn, () => this.#load({ arns: [arn] }), this.#ttl);
  }

  /** the target group with this name, undefined when AWS has none */
  async byName(name: string): Promise<TargetGroupFacts | undefined> {
    const arn = await this.#byName.get(name, async () => (await this.#load({ names: [name] }, true))?.arn, (a) => (a ? this.#ttlMs : this.#notFoundTtlMs));
    return arn === undefined ? undefined : this.byArn(arn);
  }

  /**
   * reads many target groups in batches (a controller start): ⌈n/20⌉ DescribeTargetGroups and DescribeTags
   * calls instead of two per ARN. A batch naming an ARN that is gone is read again one ARN at a time.
   */
  async prefetch(arns: Iterable<string>): Promise<void> {
    const unique = [...new Set(arns)].filter((a) => a.startsWith('arn:'));
    for (const batch of chunk(unique, BATCH)) {
      let groups: TargetGroup[];
      try {
        groups = await describeTargetGroups(this.#elbv2, { arns: batch });
      } catch (err) {
        if (!notFound(err) && toAwsError(err).code !== 'Validation') throw err;
        await Promise.all(batch.map((a) => this.byArn(a).catch(() => undefined)));
        continue;
      }
      const tags = await describeTags(this.#elbv2, groups.map((g) => g.TargetGroupArn ?? '').filter(Boolean));
      for (const g of groups) {
        if (g.TargetGroupArn) this.#byArn.set(g.TargetGroupArn, factsOf(g, tags.get(g.TargetGroupArn) ?? {}), this.#ttlMs);
      }
    }
  }

  /**
   * records a target group this controller has just created, from CreateTargetGroup's answer and the tags the
   * call wrote, so the binding made for it is admitted without reading back what the apply already knows. The
   * admission rules still run on these facts: they are AWS's own answer, not a shortcut past the check.
   */
  remember(tg: TargetGroup, tags: Readonly<Record<string, string>>): void {
    if (!tg.TargetGroupArn) return;
    const facts = factsOf(tg, tags);
    this.#byArn.set(facts.arn, facts, this.#ttlMs);
    if (facts.name) this.#byName.set(facts.name, facts.arn, this.#ttlMs);
  }

  readonly #ttl = (v: TargetGroupFacts | undefined): number => (v ? this.#ttlMs : this.#notFoundTtlMs);

  async #load(by: { arns?: string[]; names?: string[] }, storeByArn = false): Promise<TargetGroupFacts | undefined> {
    let groups: TargetGroup[];
    try {
      groups = await describeTargetGroups(this.#elbv2, by);
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
    const tg = groups[0];
    if (!tg?.TargetGroupArn) return undefined;
    const tags = (await describeTags(this.#elbv2, [tg.TargetGroupArn])).get(tg.TargetGroupArn) ?? {};
    const facts = factsOf(tg, tags);
    if (storeByArn) this.#byArn.set(facts.arn, facts, this.#ttlMs);
    return facts;
  }
}
