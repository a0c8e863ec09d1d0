#!/usr/bin/env node
// Entry point for `npx aws-lb-controller`. Node 24 runs the TypeScript sources directly (type stripping).
await import('../src/main.ts');
