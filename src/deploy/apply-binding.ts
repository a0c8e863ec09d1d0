// TargetGroupBinding: written through the controller's BindingWriter with its Refs resolved.
import type { TargetGroupBindingSpec } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange, BindingWriter, ResolvedBindingSpec } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { keyOf, observedBefore, resolvedAfter } from './apply-context.ts';

export async function applyBinding(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  if (change.action === 'noop') return;
  const kube = writer(change, ctx);
  if (change.action === 'delete' || change.action === 'replace') {
    const before = observedBefore<TargetGroupBindingSpec>(change);
    await kube.delete(before.namespace, before.name);
  }
  if (change.action !== 'delete') {
    await kube.upsert(resolvedAfter<TargetGroupBindingSpec>(ctx, change) as ResolvedBindingSpec);
  }
}

function writer(change: ApplyChange, ctx: ApplyContext): BindingWriter {
  if (!ctx.kube) {
    const key = keyOf(change);
    throw new ApplyError('MissingBindingWriter', `${key}: the plan changes a TargetGroupBinding but apply was given no BindingWriter`, { resource: key });
  }
  return ctx.kube;
}
