// What every part of one Service's build reads, and where its Issues and Notes go.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { AnnotatedObject } from '../ingress/annotations/index.ts';
import type { DiscoveredFacts, Issue, Note, ObjectRef, Tags } from '../model/index.ts';
import { SERVICE_PREFIX, type ServiceAnnotations } from './annotations.ts';
import type { ServiceId } from './naming.ts';
import type { ExistingLoadBalancer, ServiceBuildConfig } from './types.ts';

export interface ServiceContext {
  readonly svc: V1Service;
  readonly id: ServiceId;
  readonly stackId: string;
  readonly ref: ObjectRef;
  readonly obj: AnnotatedObject;
  readonly a: ServiceAnnotations;
  readonly config: ServiceBuildConfig;
  readonly facts: DiscoveredFacts;
  readonly existing?: ExistingLoadBalancer;
  /** default tags and additional-resource-tags, merged in the order the gate says; every resource carries them */
  readonly userTags: Tags;
  readonly issues: Issue[];
  readonly notes: Note[];
}

/** an Issue on the Service; `suffix` names the annotation after the prefix, or a spec path when it starts with "spec." */
export function report(ctx: ServiceContext, suffix: string, code: string, reason: string): void {
  const field = suffix.startsWith('spec.') || suffix.startsWith('metadata.') ? suffix : SERVICE_PREFIX + suffix;
  ctx.issues.push({ object: ctx.ref, field, code, reason });
}

export const note = (ctx: ServiceContext, subject: string, message: string): void => { ctx.notes.push({ object: ctx.ref, subject, message }); };

export const servicePorts = (svc: V1Service): readonly V1ServicePort[] => svc.spec?.ports ?? [];

/** a port by name, or by number for a numeric string */
export const findServicePort = (svc: V1Service, nameOrNumber: string): V1ServicePort | undefined =>
  servicePorts(svc).find((p) => p.name === nameOrNumber || String(p.port) === nameOrNumber);

export const portProtocol = (p: V1ServicePort): string => p.protocol ?? 'TCP';
