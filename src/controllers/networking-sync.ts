// Node and pod security groups take rules from every binding at once (one node group serves many target
// groups), so their rules are reconciled in one cluster-wide pass over all bindings. Binding reconciles
// only ask for a pass; a burst of them costs one pass. A binding that is going away gets a pass without it
// before its finalizer is removed, so the rules it needed are revoked first.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { errorMessage, type Logger } from '../server/log.ts';
import { InstanceEniCache, reconcileNetworking, type NetworkingBinding, type ReconcileNetworkingResult } from '../targets/networking.ts';

export interface NetworkingSyncDeps {
  readonly ec2: EC2Client;
  readonly clusterName: string;
  readonly vpcId?: string;
  /** every binding with networking rules, except the one given (a binding being deleted) */
  readonly bindings: (except?: string) => NetworkingBinding[];
  /** a problem that belongs to one binding, for an Event on it */
  readonly report: (bindingKey: string, message: string) => void;
  readonly log: Logger;
  /** how long a request waits for more to join it (200 ms) */
  readonly debounceMs?: number;
  /** how soon a pass that met errors runs again (15 s, upstream's requeue) */
  readonly retryMs?: number;
}

export class NetworkingSync {
  readonly #d: NetworkingSyncDeps;
  readonly #instances = new InstanceEniCache();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(deps: NetworkingSyncDeps) {
    this.#d = deps;
  }

  /** ask for a pass soon; requests close together share one */
  request(delayMs = this.#d.debounceMs ?? 200): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => { this.#timer = undefined; void this.#serialised(() => this.#pass()); }, delayMs);
    this.#timer.unref?.();
  }

  /** a pass without this binding, before its finalizer goes; throws when a security group could not be written */
  async without(bindingKey: string): Promise<void> {
    const r = await this.#serialised(() => this.#pass(bindingKey));
    const failedWrites = r?.errors.filter((e) => e.securityGroupId !== undefined && e.binding === undefined) ?? [];
    if (failedWrites.length > 0) throw new Error(`revoking the rules of ${bindingKey}: ${failedWrites.map((e) => e.message).join('; ')}`);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** one pass at a time: two concurrent passes could each revoke what the other just authorized */
  #serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #pass(except?: string): Promise<ReconcileNetworkingResult | undefined> {
    const { ec2, clusterName, vpcId, log } = this.#d;
    try {
      const r = await reconcileNetworking({ ec2, clusterName, bindings: this.#d.bindings(except), instanceCache: this.#instances, ...(vpcId ? { vpcId } : {}) });
      if (r.writeCalls > 0) log.info('security group rules reconciled', { authorized: r.authorized, revoked: r.revoked, groups: r.changes.length });
      for (const e of r.errors) {
        log.warn('security group rules', { ...e });
        if (e.binding) this.#d.report(e.binding, e.message);
      }
      if (r.errors.length > 0) this.request(this.#d.retryMs ?? 15_000);
      return r;
    } catch (err) {
      log.warn('security group rules could not be read', { error: errorMessage(err) });
      this.request(this.#d.retryMs ?? 15_000);
      if (except !== undefined) throw err;
      return undefined;
    }
  }
}
