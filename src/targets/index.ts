export * from './reconcile.ts';
export * from './desired.ts';
export * from './networking.ts';
