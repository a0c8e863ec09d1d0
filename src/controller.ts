// Composition root of the container image (ADR 0005): the `run` command alone, bundled into dist/controller.mjs so
// the controller loads only the code it runs. Takes the same arguments as `aws-lb-controller run` (the chart passes
// `run` first, as for the full CLI).
import { invoke, processIo } from './cli/io.ts';
import { runCommand, RUN_USAGE } from './cli/run-command.ts';

const args = process.argv.slice(2);
process.exitCode = await invoke({ usage: RUN_USAGE, run: runCommand }, args[0] === 'run' ? args.slice(1) : args, processIo);
