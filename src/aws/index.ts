// The AWS layer: SDK clients with retries, client-side rate limits and call counting; error mapping;
// thin read adapters per service; cached discovery.
export * from './clients.ts';
export * from './errors.ts';
export * from './flags.ts';
export * from './metrics.ts';
export * from './services.ts';
export * from './throttle.ts';
export * from './discovery.ts';
export * as elbv2 from './elbv2.ts';
export * as ec2 from './ec2.ts';
export * as acm from './acm.ts';
export * as tagging from './tagging.ts';
