// Composition root for the command line: wires process streams into the CLI and sets the exit code.
import { runCli } from './cli/index.ts';
import type { Io } from './cli/io.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

const io: Io = {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  readStdin,
};

process.exitCode = await runCli(process.argv.slice(2), io);
