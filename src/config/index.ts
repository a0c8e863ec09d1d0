export * from './config.ts';
export * from './duration.ts';
export * from './feature-gates.ts';
