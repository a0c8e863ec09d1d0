// Composition root for the command line (`npx aws-lb-controller`, `npm run demo`): every command, loaded on use.
// The container image runs src/controller.ts instead (ADR 0005).
import { runCli } from './cli/index.ts';
import { processIo } from './cli/io.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo);
