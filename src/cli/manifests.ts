// Reading Kubernetes manifests for the plan command: a file, a directory (its *.yaml and *.yml, sorted, not
// recursive) or stdin ("-"); multi-document YAML; `kind: List` is unwrapped. Kinds the builder does not read
// are ignored.
import { oidcClientOf, oidcSecretInfo } from '../k8s/oidc-secrets.ts';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { V1Ingress, V1IngressClass, V1Namespace, V1Service } from '@kubernetes/client-node';
import type { IngressClassParamsObject, Snapshot } from '../ingress/index.ts';
import { UsageError, type Io } from './io.ts';

export interface Source {
  readonly name: string;
  readonly text: string;
}

export async function readSources(path: string, io: Io): Promise<Source[]> {
  if (path === '-') return [{ name: '<stdin>', text: await io.readStdin() }];
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new UsageError(`cannot read ${path}: no such file or directory`);
  }
  if (!isDir) return [{ name: path, text: await readFile(path, 'utf8') }];
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0) throw new UsageError(`${path} holds no *.yaml or *.yml files`);
  return Promise.all(names.map(async (n) => ({ name: join(path, n), text: await readFile(join(path, n), 'utf8') })));
}

type SecretManifest = Parameters<typeof oidcClientOf>[0];
type K8sObject = Record<string, unknown> & { kind?: unknown };

export function parseObjects(sources: readonly Source[]): K8sObject[] {
  const out: K8sObject[] = [];
  for (const s of sources) {
    parseAllDocuments(s.text).forEach((doc, i) => {
      if ('errors' in doc && doc.errors.length > 0) {
        throw new UsageError(`${s.name}: document ${i + 1}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return;
      if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${s.name}: document ${i + 1} is not a Kubernetes object`);
      const obj = value as K8sObject;
      if (obj.kind === 'List' && Array.isArray(obj.items)) out.push(...(obj.items as K8sObject[]));
      else out.push(obj);
    });
  }
  return out;
}

export function toSnapshot(objects: readonly K8sObject[]): Snapshot {
  const of = <T>(kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
  return {
    ingresses: of<V1Ingress>('Ingress'),
    ingressClasses: of<V1IngressClass>('IngressClass'),
    ingressClassParams: of<IngressClassParamsObject>('IngressClassParams'),
    services: of<V1Service>('Service'),
    namespaces: of<V1Namespace>('Namespace'),
    // Secrets in the manifests stand for the OIDC client Secrets; only their client ID and digest reach the build
    oidcSecrets: of<SecretManifest>('Secret').map((s) => oidcSecretInfo(s.metadata?.namespace ?? 'default', s.metadata?.name ?? '', oidcClientOf(s))),
  };
}
