// The CLI's only contact with the process: output streams and stdin, passed in so commands stay testable.
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
}

/** a user error in flags or input files: printed as is, exit code 1 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_CHANGES = 2;

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** the real process streams, for the composition roots (src/main.ts, src/controller.ts) */
export const processIo: Io = {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  readStdin: readProcessStdin,
};

/** a command's usage and entry point, once loaded */
export interface LoadedCommand {
  readonly usage: string;
  readonly run: (args: readonly string[], io: Io) => Promise<number>;
}

/** runs one command: `--help`/`-h` print its usage; a UsageError is one line on stderr and exit code 1 */
export async function invoke(command: LoadedCommand, args: readonly string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(command.usage);
    return EXIT_OK;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return EXIT_ERROR;
    }
    throw e;
  }
}
