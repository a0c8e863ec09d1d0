// The cluster's shared backend security group (upstream's `k8s-traffic-<cluster>-<hash>`): one per cluster, outside
// every stack's plan. Every load balancer whose security groups the controller manages carries it, and the node and
// pod security groups admit it, one rule per port range for all load balancers.
//
// Life cycle, as upstream (pkg/networking/backend_sg_provider.go):
// - acquire(stack): before a stack that uses it is planned: the stack is marked as using it, and its ID is returned,
//   found by tags or created (cached afterwards: a warm acquire makes no call);
// - settle(stack, uses): after the stack was applied; when it no longer uses the group, a release is tried;
// - release: deletes the group only when nothing may use it, checked in order of cost:
//     1. no stack is marked as using it;
//     2. every stack some Ingress holds a finalizer for has been settled since start (an unseen one may use it:
//        upstream's guard against deleting at start-up);
//     3. no TargetGroupBinding names it as a rule source (its rules would be authorized again);
//     4. no load balancer in the VPC carries it (any controller's);
//   then the labelled rules that still name it are revoked and the group is deleted. A release held back by
//   3, 4 or a DependencyViolation is tried again later, with backoff; one held back by 1 or 2 waits for the next
//   settle. Acquire and the delete are serialised, and 1-2 are checked again under the lock, so a stack acquiring
//   meanwhile either keeps the group or gets a new one (its build is then redone with the new ID).
// With --backend-security-group the given group is used as is: never created, tagged or deleted.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  deleteBackendSecurityGroup, ensureBackendSecurityGroup, findBackendSecurityGroup, loadBalancersUsing, type BackendSecurityGroupSpec,
} from '../deploy/backend-security-group.ts';
import type { V1Ingress } from '@kubernetes/client-node';
import { groupIdString, groupsOfFinalizers } from '../ingress/index.ts';
import type { Ingress, TargetGroupBinding } from '../k8s/types.ts';
import { errorMessage, type Logger } from '../server/log.ts';

export interface BackendSecurityGroupDeps {
  readonly ec2: EC2Client;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly spec: BackendSecurityGroupSpec;
  /** --backend-security-group */
  readonly userGroupId?: string;
  /** the stack keys some object still holds a finalizer for ("ingress:<group key>") */
  readonly finalizedStacks: () => Iterable<string>;
  /** the security groups TargetGroupBindings name as rule sources (bindings being deleted included) */
  readonly bindingSources: () => ReadonlySet<string>;
  readonly log: Logger;
  /** first delay before a held-back release is tried again (5 s); doubles up to maxRetryMs (5 min) */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** milliseconds; injectable for tests */
  readonly now?: () => number;
}

/** how long a stack that no object holds a finalizer for is remembered (the informer may not show a new finalizer yet) */
const FORGET_AFTER_MS = 10 * 60_000;

export type ReleaseOutcome =
  | { readonly deleted: string }
  /** why the group stays (or that there is none) */
  | { readonly kept: string };

/** the stack key of an Ingress group, as acquire, settle and finalizedStacks spell it */
export const ingressStackKey = (groupKey: string): string => `ingress:${groupKey}`;

/** the stacks these Ingresses hold a finalizer for (a group they are in, or one they left and that must let them go) */
export const stacksHeldBy = (ingresses: readonly Ingress[]): string[] =>
  ingresses.flatMap((ing) => groupsOfFinalizers(ing as unknown as V1Ingress).map((g) => ingressStackKey(groupIdString(g))));

/** the security groups these bindings name as rule sources */
export const ruleSourcesOf = (bindings: readonly TargetGroupBinding[]): Set<string> =>
  new Set(bindings.flatMap((t) => (t.spec.networking?.ingress ?? []).flatMap((r) => (r.from ?? [])
    .flatMap((f) => ('securityGroup' in f && f.securityGroup?.groupID ? [f.securityGroup.groupID] : [])))));

export class BackendSecurityGroup {
  readonly #d: BackendSecurityGroupDeps;
  #id: string | undefined;
  /** false once a look found no group (and none was created since): a release then needs no call */
  #mayExist = true;
  /** stack → whether it used the group when it was last acquired or settled, and when */
  readonly #uses = new Map<string, { readonly uses: boolean; readonly at: number }>();
  #lock: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #retryMs: number;
  #stopped = false;

  constructor(deps: BackendSecurityGroupDeps) {
    this.#d = deps;
    this.#id = deps.userGroupId;
    this.#retryMs = deps.retryMs ?? 5_000;
  }

  /** the group's ID when it is known without a call (given by flag, or found or created before) */
  known(): string | undefined {
    return this.#id;
  }

  /** marks the stack as using the group and returns its ID, creating the group when there is none */
  async acquire(stack: string): Promise<string> {
    this.#mark(stack, true);
    if (this.#d.userGroupId) return this.#d.userGroupId;
    return this.#locked(async () => {
      if (this.#id) return this.#id;
      const { groupId, created } = await ensureBackendSecurityGroup(this.#d.ec2, this.#d.spec);
      this.#id = groupId;
      this.#mayExist = true;
      this.#d.log.info(created ? 'created the shared backend security group' : 'found the shared backend security group', { groupId, name: this.#d.spec.name });
      return groupId;
    });
  }

  /**
   * the cached ID may be stale (an apply met a security group that does not exist): the next acquire looks the group
   * up again, and creates it if it is gone. A group given by flag is kept.
   */
  forget(): void {
    if (this.#d.userGroupId) return;
    this.#id = undefined;
    this.#mayExist = true;
  }

  /**
   * after a stack was applied: whether it uses the group now. A release is tried when it stopped using it (or was
   * not known to use it); a stack that settles as before (a resync) changes nothing and costs nothing.
   */
  settle(stack: string, uses: boolean): void {
    const before = this.#uses.get(stack)?.uses;
    this.#mark(stack, uses);
    if (!uses && before !== false) this.requestRelease(0);
  }

  /** a release soon (debounced); tests and the retry timer use it */
  requestRelease(delayMs: number): void {
    if (this.#stopped || this.#d.userGroupId || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.release().catch((err: unknown) => {
        this.#d.log.warn('releasing the shared backend security group failed; will retry', { error: errorMessage(err) });
        this.#retryLater();
      });
    }, delayMs);
    this.#timer.unref?.();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** deletes the group when nothing may use it; otherwise says why it stays */
  async release(): Promise<ReleaseOutcome> {
    if (this.#d.userGroupId) return { kept: 'given by --backend-security-group' };
    const held = this.#heldByStack();
    if (held) return this.#kept(held, false);
    return this.#locked(async () => {
      const heldNow = this.#heldByStack();
      if (heldNow) return this.#kept(heldNow, false);
      const { ec2, elbv2, spec } = this.#d;
      // after a restart the ID is not cached yet: a group left unused meanwhile is found (once) and released too
      const id = this.#id ?? (this.#mayExist ? (await findBackendSecurityGroup(ec2, spec))?.groupId : undefined);
      if (!id) {
        this.#mayExist = false;
        return { kept: 'there is no shared backend security group' };
      }
      if (this.#d.bindingSources().has(id)) return this.#kept(`a TargetGroupBinding still names ${id} as a rule source`, true);
      const lbs = await loadBalancersUsing(elbv2, id, spec.vpcId);
      if (lbs.length > 0) return this.#kept(`${lbs.length} load balancer(s) still carry ${id}: ${lbs.join(', ')}`, true);
      const deletion = await deleteBackendSecurityGroup(ec2, id, spec.vpcId);
      if (deletion.outcome === 'in-use') return this.#kept(`EC2 refused to delete ${id}: ${deletion.message}`, true);
      this.#id = undefined;
      this.#mayExist = false;
      this.#retryMs = this.#d.retryMs ?? 5_000;
      this.#d.log.info('deleted the shared backend security group: no load balancer uses it any more', { groupId: id, outcome: deletion.outcome });
      return { deleted: id };
    });
  }

  /** guards 1 and 2: a stack uses the group, or may (it holds a finalizer and was not settled since start) */
  #heldByStack(): string | undefined {
    for (const [stack, { uses }] of this.#uses) if (uses) return `stack ${stack} uses it`;
    const live = new Set(this.#d.finalizedStacks());
    for (const stack of live) if (!this.#uses.has(stack)) return `stack ${stack} has not been reconciled since the controller started`;
    // stacks settled long ago whose objects are gone: forget them (memory), but not a fresh one whose finalizer
    // the informer may not show yet
    const now = this.#now();
    for (const [stack, { at }] of this.#uses) if (!live.has(stack) && now - at > FORGET_AFTER_MS) this.#uses.delete(stack);
    return undefined;
  }

  #mark(stack: string, uses: boolean): void {
    this.#uses.set(stack, { uses, at: this.#now() });
  }

  #now(): number {
    return (this.#d.now ?? Date.now)();
  }

  #kept(why: string, retry: boolean): ReleaseOutcome {
    this.#d.log.debug('shared backend security group kept', { reason: why });
    if (retry) this.#retryLater();
    return { kept: why };
  }

  #retryLater(): void {
    const delay = this.#retryMs;
    this.#retryMs = Math.min(delay * 2, this.#d.maxRetryMs ?? 300_000);
    this.requestRelease(delay);
  }

  /** acquire's create and release's delete never overlap */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}
