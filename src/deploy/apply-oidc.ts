// The client secret of an authenticate-oidc action: the plan carries only the Secret's name and a digest, so the
// secret is read here, just before the action is sent, and never kept, logged or put in an error. The digest goes
// on the rule or listener as TAG_OIDC_SECRET_DIGEST, which is how the next observe tells a changed Secret.
import { AddTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type Action, TAG_OIDC_SECRET_DIGEST, type Tags } from '../model/index.ts';
import type { ApplyContext } from './apply-context.ts';
import type { Resolved } from './apply-support.ts';
import { ApplyError } from './apply-types.ts';
import type { OidcClient } from './sdk-shapes.ts';

export interface OidcSend {
  /** the client to send the actions with; absent when they have no authenticate-oidc action */
  readonly client?: OidcClient;
  /** the digest tag to record with them; {} when none */
  readonly tags: Tags;
}

/** reads the client of the actions' authenticate-oidc action (ALB takes one authentication action per rule) */
export async function oidcClientFor(ctx: ApplyContext, actions: readonly Resolved<Action>[], resource: string): Promise<OidcSend> {
  const oidc = actions.find((a) => a.type === 'authenticate-oidc');
  if (!oidc) return { tags: {} };
  const secret = oidc.authenticateOidcConfig.clientSecret.secret;
  if (secret === undefined || !ctx.oidcClients) {
    throw new ApplyError('OidcSecretUnavailable', `${resource}: the authenticate-oidc action's client Secret ${secret ?? '(none named)'} cannot be read by this apply`, { resource });
  }
  let read: Awaited<ReturnType<NonNullable<ApplyContext['oidcClients']>>>;
  try {
    read = await ctx.oidcClients(secret);
  } catch (err) {
    // the reader's message names the Secret and the reason; it never holds the secret's value
    throw new ApplyError('OidcSecretUnavailable', `${resource}: reading Secret ${secret}: ${err instanceof Error ? err.message : String(err)}`, { resource });
  }
  return { client: { clientId: read.clientId, clientSecret: read.clientSecret }, tags: { [TAG_OIDC_SECRET_DIGEST]: read.digest } };
}

/** records the digest of the client secret just sent on an existing rule or listener */
export async function recordOidcDigest(ctx: ApplyContext, arn: string, send: OidcSend): Promise<void> {
  const tags = Object.entries(send.tags);
  if (tags.length > 0) await ctx.elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: tags.map(([Key, Value]) => ({ Key, Value })) }));
}
