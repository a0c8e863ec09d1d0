// TargetGroupBindings between the model and the cluster: the BindingWriter apply uses to create, update and
// delete them, and the reverse conversion that lets the planner compare what the cluster holds.
import type { BindingWriter, ResolvedBindingSpec } from '../deploy/apply-types.ts';
import { isNotFound, type ResourceClient } from '../k8s/client.ts';
import { FINALIZER_TARGET_GROUP_BINDING, LABEL_STACK, LABEL_STACK_NAME, LABEL_STACK_NAMESPACE } from '../model/tags.ts';
import type { TargetGroupBindingSpec } from '../model/k8s.ts';
import type { GroupId } from '../ingress/naming.ts';
import type { ObservedBinding } from '../plan/types.ts';
import type { TargetGroupBinding, TargetGroupBindingWireSpec } from '../k8s/types.ts';

export const TGB_API_VERSION = 'elbv2.k8s.aws/v1beta1';

/** the wire spec for a resolved binding: only the fields the model sets */
export function toWireSpec(spec: ResolvedBindingSpec): TargetGroupBindingWireSpec {
  return {
    targetGroupARN: spec.targetGroupARN,
    targetType: spec.targetType,
    serviceRef: { name: spec.serviceRef.name, port: spec.serviceRef.port },
    ipAddressType: spec.ipAddressType,
    ...(spec.vpcID ? { vpcID: spec.vpcID } : {}),
    ...(spec.targetGroupProtocol ? { targetGroupProtocol: spec.targetGroupProtocol } : {}),
    ...(spec.multiClusterTargetGroup ? { multiClusterTargetGroup: true } : {}),
    ...(spec.nodeSelector ? { nodeSelector: { matchLabels: { ...spec.nodeSelector.matchLabels } } } : {}),
    ...(spec.networking ? {
      networking: {
        ingress: spec.networking.ingress.map((r) => ({
          from: r.from.map((f) => ('securityGroup' in f ? { securityGroup: { groupID: f.securityGroup.groupID } } : { ipBlock: { cidr: f.ipBlock.cidr } })),
          ports: r.ports.map((p) => ({ protocol: p.protocol, ...(p.port !== undefined ? { port: p.port } : {}) })),
        })),
      },
    } : {}),
  };
}

/** a binding read from the cluster, as the planner compares it */
export function fromWire(tgb: TargetGroupBinding): ObservedBinding {
  const s = tgb.spec;
  const namespace = tgb.metadata?.namespace ?? 'default';
  const name = tgb.metadata?.name ?? '';
  const matchLabels = s.nodeSelector?.matchLabels;
  const spec: TargetGroupBindingSpec = {
    name,
    namespace,
    labels: { ...(tgb.metadata?.labels ?? {}) },
    targetGroupARN: s.targetGroupARN ?? '',
    targetType: s.targetType ?? 'instance',
    serviceRef: { name: s.serviceRef.name, port: s.serviceRef.port },
    ipAddressType: s.ipAddressType ?? 'ipv4',
    ...(s.vpcID ? { vpcID: s.vpcID } : {}),
    ...(s.targetGroupProtocol ? { targetGroupProtocol: s.targetGroupProtocol } : {}),
    ...(s.multiClusterTargetGroup ? { multiClusterTargetGroup: true } : {}),
    ...(matchLabels ? { nodeSelector: { matchLabels } } : {}),
    ...(s.networking?.ingress ? {
      networking: {
        ingress: s.networking.ingress.map((r) => ({
          from: (r.from ?? []).map((f) => ('securityGroup' in f ? { securityGroup: { groupID: f.securityGroup.groupID } } : { ipBlock: { cidr: f.ipBlock.cidr } })),
          ports: (r.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', ...(p.port !== undefined ? { port: p.port } : {}) })),
        })),
      },
    } : {}),
  };
  return { namespace, name, spec };
}

/** the labels that mark a binding as belonging to a group's stack (upstream's) */
export function stackLabels(group: GroupId): Record<string, string> {
  return group.explicit ? { [LABEL_STACK]: group.name } : { [LABEL_STACK_NAMESPACE]: group.namespace, [LABEL_STACK_NAME]: group.name };
}

/** the group key (stack ID) a binding's labels name, or undefined for a binding that belongs to no Ingress stack */
export function stackKeyOf(tgb: TargetGroupBinding): string | undefined {
  const labels = tgb.metadata?.labels ?? {};
  if (labels[LABEL_STACK]) return labels[LABEL_STACK];
  const ns = labels[LABEL_STACK_NAMESPACE];
  const name = labels[LABEL_STACK_NAME];
  return ns && name ? `${ns}/${name}` : undefined;
}

export function belongsToStack(tgb: TargetGroupBinding, group: GroupId): boolean {
  const labels = tgb.metadata?.labels ?? {};
  return Object.entries(stackLabels(group)).every(([k, v]) => labels[k] === v);
}

/**
 * a binding is still being deleted (its finalizer is deregistering targets and revoking its security-group rules)
 * after the wait. Retryable: the group reconcile fails and is re-queued with backoff.
 */
export class BindingTerminatingError extends Error {
  readonly retryable = true;
  readonly code = 'BindingTerminating';
  constructor(namespace: string, name: string, waitedMs: number) {
    super(`TargetGroupBinding ${namespace}/${name} is still being deleted after ${Math.round(waitedMs / 1000)} s (its targets are being deregistered); the group reconcile will retry`);
    this.name = 'BindingTerminatingError';
  }
}

/** creates, updates (merge patch of labels and spec) and deletes bindings through the apiserver */
export class KubeBindingWriter implements BindingWriter {
  readonly #client: ResourceClient<'targetGroupBinding'>;
  /** bindings written, for logs and tests */
  readonly written: string[] = [];
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  /**
   * terminatingWaitMs: how long delete (and an upsert that meets a binding being deleted) waits for the binding to
   * be gone before giving up with a retryable BindingTerminatingError (60 s, as upstream), polling every pollMs
   * (200 ms, as upstream)
   */
  constructor(client: ResourceClient<'targetGroupBinding'>, opts: { terminatingWaitMs?: number; pollMs?: number; sleep?: (ms: number) => Promise<void> } = {}) {
    this.#client = client;
    this.#waitMs = opts.terminatingWaitMs ?? 60_000;
    this.#pollMs = Math.max(1, opts.pollMs ?? 200);
    this.#sleep = opts.sleep ?? ((ms) => new Promise((resolve) => { setTimeout(resolve, ms); }));
  }

  async upsert(spec: ResolvedBindingSpec): Promise<void> {
    const wire = toWireSpec(spec);
    let existing = await this.#client.get(spec.name, spec.namespace);
    // the old binding (a replacement's delete half) is still deregistering its targets: patching it would hand
    // the new target group to its cleanup, which would empty it and let the binding go
    if (existing?.metadata?.deletionTimestamp) existing = await this.#waitGone(spec.namespace, spec.name);
    this.written.push(`${spec.namespace}/${spec.name}`);
    if (!existing) {
      await this.#client.create({
        apiVersion: TGB_API_VERSION, kind: 'TargetGroupBinding',
        // the finalizer comes with the create, so targets are always deregistered before the binding goes
        metadata: { name: spec.name, namespace: spec.namespace, labels: { ...spec.labels }, finalizers: [FINALIZER_TARGET_GROUP_BINDING] },
        spec: wire,
      }, spec.namespace);
      return;
    }
    // null removes fields the model no longer sets (merge-patch semantics)
    const spec_: Record<string, unknown> = { ...wire };
    for (const k of ['nodeSelector', 'networking', 'vpcID', 'multiClusterTargetGroup'] as const) if (!(k in wire) && existing.spec?.[k] !== undefined) spec_[k] = null;
    await this.#client.mergePatch(spec.name, spec.namespace, { metadata: { labels: { ...spec.labels } }, spec: spec_ });
  }

  /**
   * deletes the binding and waits until it is gone, as upstream does: its finalizer deregisters the targets and
   * revokes the node/pod security-group rules it needed while the target group and the load balancer's security
   * group still exist, so the deletes that follow in the plan never race the cleanup (no call on a deleted group)
   */
  async delete(namespace: string, name: string): Promise<void> {
    try {
      await this.#client.delete(name, namespace);
      this.written.push(`-${namespace}/${name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return;
    }
    await this.#waitGone(namespace, name);
  }

  /** polls until the binding is gone; a binding still there after the wait is a retryable BindingTerminatingError */
  async #waitGone(namespace: string, name: string): Promise<undefined> {
    for (let waited = 0; ; waited += this.#pollMs) {
      const existing = await this.#client.get(name, namespace);
      if (!existing) return undefined;
      if (waited >= this.#waitMs) throw new BindingTerminatingError(namespace, name, waited);
      await this.#sleep(this.#pollMs);
    }
  }
}
