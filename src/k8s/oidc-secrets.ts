// The OIDC client Secrets that auth-idp-oidc names (ADR 0014). Each is read with a GET of that one Secret in the
// Ingress's namespace (the chart grants get on those names only: no list, no watch, no cluster-wide read). The
// builder sees the client ID and a digest of ID and secret (OidcSecretInfo); the secret itself goes only to apply,
// which reads it again right before it sends the action. Nothing here logs or returns the secret in a message.
import { createHmac } from 'node:crypto';
import type { OidcSecretInfo } from '../model/index.ts';
import { statusOf, type ResourceClient } from './client.ts';

/** upstream's keys in the Secret's data */
export const CLIENT_ID_KEY = 'clientID';
export const CLIENT_SECRET_KEY = 'clientSecret';

interface SecretObject {
  readonly metadata?: { readonly uid?: string; readonly name?: string; readonly namespace?: string };
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
}

/**
 * HMAC-SHA256 of client ID and secret keyed with the Secret's uid: it changes when either changes (or the Secret is
 * recreated), and, unlike a plain hash, cannot be checked against guessed secrets by whoever reads the AWS tags.
 */
export const oidcDigest = (uid: string, clientId: string, clientSecret: string): string =>
  createHmac('sha256', uid).update(`${clientId}\0${clientSecret}`).digest('hex');

/** a value of `data` (base64) or `stringData`, less trailing white space as upstream trims it */
function value(s: SecretObject, key: string): string | undefined {
  const raw = s.stringData?.[key] ?? (s.data?.[key] !== undefined ? Buffer.from(s.data[key], 'base64').toString('utf8') : undefined);
  const v = raw?.trimEnd();
  return v === undefined || v === '' ? undefined : v;
}

export type OidcClientRead = { clientId: string; clientSecret: string; digest?: string } | { problem: string };

/** the client in a Secret object (from the API server or a manifest) */
export function oidcClientOf(s: SecretObject): OidcClientRead {
  const clientId = value(s, CLIENT_ID_KEY);
  const clientSecret = value(s, CLIENT_SECRET_KEY);
  const missing = [clientId === undefined ? CLIENT_ID_KEY : undefined, clientSecret === undefined ? CLIENT_SECRET_KEY : undefined].filter((k) => k !== undefined);
  if (clientId === undefined || clientSecret === undefined) return { problem: `has no ${missing.join(' and no ')} key (or it is empty)` };
  const uid = s.metadata?.uid;
  return { clientId, clientSecret, ...(uid ? { digest: oidcDigest(uid, clientId, clientSecret) } : {}) };
}

/** what the builder may know of it: never the secret */
export function oidcSecretInfo(namespace: string, name: string, read: OidcClientRead): OidcSecretInfo {
  if ('problem' in read) return { namespace, name, problem: read.problem };
  return { namespace, name, clientId: read.clientId, ...(read.digest !== undefined ? { digest: read.digest } : {}) };
}

const split = (secret: string): [string, string] => {
  const i = secret.indexOf('/');
  return [secret.slice(0, i), secret.slice(i + 1)];
};

/** GETs Secret "namespace/name"; a missing or forbidden Secret is a problem for the Ingress, not an exception */
export async function readOidcClient(secrets: ResourceClient<'secret'>, secret: string): Promise<OidcClientRead> {
  const [namespace, name] = split(secret);
  try {
    const s = await secrets.get(name, namespace);
    return s ? oidcClientOf(s) : { problem: 'does not exist' };
  } catch (err) {
    if (statusOf(err) === 403) return { problem: 'cannot be read by the controller: grant it get on this Secret (chart value oidcSecrets, ADR 0014)' };
    throw err;
  }
}

/** the builder's view of each Secret named */
export async function readOidcSecretInfos(client: ResourceClient<'secret'>, secrets: readonly string[]): Promise<OidcSecretInfo[]> {
  return Promise.all(secrets.map(async (secret) => {
    const [namespace, name] = split(secret);
    return oidcSecretInfo(namespace, name, await readOidcClient(client, secret));
  }));
}

/** apply's reader (ApplyDeps.oidcClients): the Secret as it is now, or an error that names only the problem */
export const oidcClientReader = (secrets: ResourceClient<'secret'>) => async (secret: string): Promise<{ clientId: string; clientSecret: string; digest: string }> => {
  const read = await readOidcClient(secrets, secret);
  if ('problem' in read) throw new Error(read.problem);
  if (read.digest === undefined) throw new Error('has no metadata.uid');
  return { clientId: read.clientId, clientSecret: read.clientSecret, digest: read.digest };
};
