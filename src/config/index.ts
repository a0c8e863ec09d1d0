export * from './config.ts';
export * from './duration.ts';
export * from './feature-gates.ts';
export * from './aws-location.ts';
