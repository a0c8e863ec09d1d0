export * from './reconcile.ts';
export * from './desired.ts';
