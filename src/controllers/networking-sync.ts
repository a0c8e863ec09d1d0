// Node and pod security groups take rules from every binding at once (one node group serves many target
// groups), so their rules are reconciled in one cluster-wide pass over all bindings. Binding reconciles
// only ask for a pass; a burst of them costs one pass. A binding that is going away gets a pass without it
// before its finalizer is removed, so the rules it needed are revoked first; deletions close together, or
// arriving while a pass runs, share the next pass.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { errorMessage, type Logger } from '../server/log.ts';
import { InstanceEniCache, reconcileNetworking, type NetworkingBinding, type ReconcileNetworkingInput, type ReconcileNetworkingResult } from '../targets/networking.ts';

const delay = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });

export interface NetworkingSyncDeps {
  readonly ec2: EC2Client;
  readonly clusterName: string;
  readonly vpcId?: string;
  /** every binding with networking rules, except the ones given (bindings being deleted); throwing fails the pass */
  readonly bindings: (except: ReadonlySet<string>) => NetworkingBinding[] | Promise<NetworkingBinding[]>;
  /** a problem that belongs to one binding, for an Event on it */
  readonly report: (bindingKey: string, message: string) => void;
  readonly log: Logger;
  /** how long a request, or a deletion's pass, waits for more to join it (200 ms) */
  readonly debounceMs?: number;
  /** how soon a pass that met errors runs again (15 s, upstream's requeue) */
  readonly retryMs?: number;
  /** the pass itself (tests); reconcileNetworking by default */
  readonly reconcile?: (input: ReconcileNetworkingInput) => Promise<ReconcileNetworkingResult>;
}

export class NetworkingSync {
  readonly #d: NetworkingSyncDeps;
  readonly #instances = new InstanceEniCache();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  /** the next pass for deleted bindings, not started yet: later deletions join it */
  #nextWithout: { readonly keys: Set<string>; readonly result: Promise<ReconcileNetworkingResult | undefined> } | undefined;
  #stopped = false;

  constructor(deps: NetworkingSyncDeps) {
    this.#d = deps;
  }

  /** ask for a pass soon; requests close together share one */
  request(delayMs = this.#d.debounceMs ?? 200): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => { this.#timer = undefined; void this.#serialised(() => this.#pass(new Set())); }, delayMs);
    this.#timer.unref?.();
  }

  /**
   * a pass without this binding, before its finalizer goes. Throws when a labelled rule could not be revoked
   * (the binding's rules may still be there) or the security groups could not be read; failures to authorize
   * rules for other bindings, or a group that no longer exists, do not hold the deletion back.
   */
  async without(bindingKey: string): Promise<void> {
    if (!this.#nextWithout) {
      const keys = new Set<string>();
      // it waits as a request does, so that deletions close together (an Ingress group, a namespace) share one pass
      const result = delay(this.#d.debounceMs ?? 200).then(() => this.#serialised(() => {
        // from here on, a new deletion waits for the pass after this one
        if (this.#nextWithout?.keys === keys) this.#nextWithout = undefined;
        return this.#pass(keys);
      }));
      this.#nextWithout = { keys, result };
    }
    this.#nextWithout.keys.add(bindingKey);
    const r = await this.#nextWithout.result;
    const failedRevokes = r?.errors.filter((e) => e.operation === 'revoke') ?? [];
    if (failedRevokes.length > 0) throw new Error(`revoking the rules of ${bindingKey}: ${failedRevokes.map((e) => e.message).join('; ')}`);
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

  async #pass(except: ReadonlySet<string>): Promise<ReconcileNetworkingResult | undefined> {
    const { ec2, clusterName, vpcId, log } = this.#d;
    const reconcile = this.#d.reconcile ?? reconcileNetworking;
    try {
      const r = await reconcile({ ec2, clusterName, bindings: await this.#d.bindings(except), instanceCache: this.#instances, ...(vpcId ? { vpcId } : {}) });
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
      if (except.size > 0) throw err;
      return undefined;
    }
  }
}
