export * from './refs.ts';
export * from './elbv2.ts';
export * from './k8s.ts';
export * from './stack.ts';
export * from './issues.ts';
export * from './tags.ts';
export * from './observed.ts';
export * from './discovery.ts';
