// Listener: create with the default certificate in the call and SNI certificates (and attributes) added after;
// ModifyListener only for the parts that differ; the SNI set by diff; attributes only for the keys the spec sets.
import {
  AddListenerCertificatesCommand, CreateListenerCommand, DeleteListenerCommand, ModifyListenerAttributesCommand, ModifyListenerCommand,
  RemoveListenerCertificatesCommand, paginateDescribeListenerCertificates,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ModifyListenerInput, ProtocolEnum } from '@aws-sdk/client-elastic-load-balancing-v2';
import { effectiveMutualAuthentication, isSecureProtocol, type ListenerSpec } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { existingArn, keyOf, observedBefore, remember, resolvedAfter, tagDiff } from './apply-context.ts';
import { differsFor, isAwsError, sameValue, toSdkTags } from './apply-support.ts';
import { normalizeActions, normalizeCertificates } from '../plan/kinds/actions.ts';
import type { Resolved } from './apply-support.ts';
import { differingAttributes, syncElbTags } from './apply-load-balancer.ts';
import { oidcClientFor, recordOidcDigest } from './apply-oidc.ts';
import { toSdkActions, toSdkMutualAuthentication } from './sdk-shapes.ts';

type Spec = Resolved<ListenerSpec>;

export async function applyListener(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  switch (change.action) {
    case 'noop': return;
    case 'create': return createListener(change, ctx);
    case 'update': return updateListener(change, ctx);
    case 'delete': return deleteListener(change, ctx);
    case 'replace':
      await deleteListener(change, ctx);
      return createListener(change, ctx);
  }
}

const sniOf = (s: Spec): string[] => {
  const [def, ...rest] = s.certificates;
  return [...new Set(rest.filter((c) => c !== def))];
};

async function createListener(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const spec = resolvedAfter<ListenerSpec>(ctx, change);
  const secure = isSecureProtocol(spec.protocol);
  const [defaultCert] = spec.certificates;
  const oidc = await oidcClientFor(ctx, spec.defaultActions, keyOf(change));
  const tags = { ...spec.tags, ...oidc.tags };
  const out = await ctx.elbv2.send(new CreateListenerCommand({
    LoadBalancerArn: spec.loadBalancer,
    Protocol: spec.protocol as ProtocolEnum,
    Port: spec.port,
    ...(secure && spec.sslPolicy ? { SslPolicy: spec.sslPolicy } : {}),
    ...(secure && defaultCert ? { Certificates: [{ CertificateArn: defaultCert }] } : {}),
    ...(spec.alpnPolicy?.length ? { AlpnPolicy: [...spec.alpnPolicy] } : {}),
    ...(spec.mutualAuthentication ? { MutualAuthentication: toSdkMutualAuthentication(spec.mutualAuthentication) } : {}),
    DefaultActions: toSdkActions(spec.defaultActions, oidc.client),
    ...(Object.keys(tags).length ? { Tags: toSdkTags(tags) } : {}),
  }));
  const arn = out.Listeners?.[0]?.ListenerArn;
  if (!arn) throw new ApplyError('AwsError', `${keyOf(change)}: CreateListener returned no ARN`, { resource: keyOf(change) });
  remember(ctx, change, { arn });
  if (secure) await addCertificates(ctx, arn, sniOf(spec));
  if (spec.attributes && Object.keys(spec.attributes).length) await modifyAttributes(ctx, arn, spec.attributes);
}

async function updateListener(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const arn = existingArn(change);
  const before = observedBefore<ListenerSpec>(change) as Spec;
  const after = resolvedAfter<ListenerSpec>(ctx, change);
  const differs = differsFor(change.fields);
  const secure = isSecureProtocol(after.protocol);
  const protocolChanged = differs('protocol', () => before.protocol !== after.protocol);
  const certsChanged = differs('certificates', () => !sameValue(normalizeCertificates(before.certificates), normalizeCertificates(after.certificates)));
  const defaultChanged = secure && certsChanged && before.certificates[0] !== after.certificates[0] && after.certificates[0] !== undefined;
  const alpn = after.alpnPolicy;
  const mtls = after.mutualAuthentication;
  const actionsChanged = differs('defaultActions', () => !sameValue(normalizeActions(before.defaultActions), normalizeActions(after.defaultActions)));
  const oidc = actionsChanged ? await oidcClientFor(ctx, after.defaultActions, keyOf(change)) : { tags: {} };
  const input: ModifyListenerInput = {
    ListenerArn: arn,
    ...(before.port !== after.port ? { Port: after.port } : {}),
    // Protocol only when it changes: upstream always sends it, but the same value changes nothing, and some
    // implementations (moto) refuse UDP, TLS and TCP_UDP there
    ...(protocolChanged ? { Protocol: after.protocol as ProtocolEnum } : {}),
    ...(secure && after.sslPolicy && (protocolChanged || differs('sslPolicy', () => before.sslPolicy !== after.sslPolicy)) ? { SslPolicy: after.sslPolicy } : {}),
    // Only when the default changes: some implementations replace the whole certificate list.
    ...(defaultChanged || (protocolChanged && secure && after.certificates[0] !== undefined) ? { Certificates: [{ CertificateArn: after.certificates[0] }] } : {}),
    ...(alpn !== undefined && (protocolChanged || differs('alpnPolicy', () => !sameValue(before.alpnPolicy ?? [], alpn))) ? { AlpnPolicy: [...alpn] } : {}),
    // compared only when AWS reported the listener's setting (plan/kinds/listener.ts); a protocol change sends it again
    ...(mtls !== undefined && (protocolChanged || differs('mutualAuthentication', () => before.mutualAuthentication !== undefined
      && !sameValue(effectiveMutualAuthentication(before.mutualAuthentication), effectiveMutualAuthentication(mtls)))) ? { MutualAuthentication: toSdkMutualAuthentication(mtls) } : {}),
    ...(actionsChanged ? { DefaultActions: toSdkActions(after.defaultActions, oidc.client) } : {}),
  };
  if (Object.keys(input).length > 1) await ctx.elbv2.send(new ModifyListenerCommand(input));
  await recordOidcDigest(ctx, arn, oidc);
  const changedAttributes = differingAttributes(before.attributes, after.attributes ?? {});
  if (Object.keys(changedAttributes).length && differs('attributes', () => true)) await modifyAttributes(ctx, arn, changedAttributes);
  if (secure && certsChanged) {
    // After a default-certificate change the SNI list is read back rather than assumed.
    const current = defaultChanged ? await readSniCertificates(ctx, arn) : sniOf(before);
    const desired = sniOf(after);
    await addCertificates(ctx, arn, desired.filter((c) => !current.includes(c)));
    await removeCertificates(ctx, arn, current.filter((c) => !desired.includes(c) && c !== after.certificates[0]));
  }
  if (differs('tags', () => true)) await syncElbTags(ctx, arn, tagDiff(ctx, before.tags, after.tags));
  remember(ctx, change, { arn });
}

async function modifyAttributes(ctx: ApplyContext, arn: string, attrs: Readonly<Record<string, string>>): Promise<void> {
  await ctx.elbv2.send(new ModifyListenerAttributesCommand({ ListenerArn: arn, Attributes: Object.entries(attrs).map(([Key, Value]) => ({ Key, Value })) }));
}

async function readSniCertificates(ctx: ApplyContext, arn: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateDescribeListenerCertificates({ client: ctx.elbv2 }, { ListenerArn: arn })) {
    for (const c of page.Certificates ?? []) if (c.CertificateArn && !c.IsDefault) out.push(c.CertificateArn);
  }
  return [...new Set(out)];
}

// One certificate per call, as the API documents for Add/RemoveListenerCertificates.
async function addCertificates(ctx: ApplyContext, arn: string, certs: readonly string[]): Promise<void> {
  for (const c of certs) await ctx.elbv2.send(new AddListenerCertificatesCommand({ ListenerArn: arn, Certificates: [{ CertificateArn: c }] }));
}

async function removeCertificates(ctx: ApplyContext, arn: string, certs: readonly string[]): Promise<void> {
  for (const c of certs) await ctx.elbv2.send(new RemoveListenerCertificatesCommand({ ListenerArn: arn, Certificates: [{ CertificateArn: c }] }));
}

async function deleteListener(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const arn = existingArn(change);
  try {
    await ctx.elbv2.send(new DeleteListenerCommand({ ListenerArn: arn }));
  } catch (err) {
    // Already gone with its load balancer: the goal is reached.
    if (!isAwsError(err, 'ListenerNotFound')) throw err;
  }
  ctx.rules.dropListener(arn);
  const key = keyOf(change);
  if (ctx.resources.get(key)?.arn === arn) ctx.resources.delete(key);
}
