// Command dispatch: `aws-lb-controller <command> [flags]`. Each command returns its exit code.
import { EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';
import { planCommand, PLAN_USAGE } from './plan-command.ts';
import { runCommand, RUN_USAGE } from './run-command.ts';
import { demoCommand, DEMO_USAGE } from './demo-command.ts';
import { iamPolicyCommand, IAM_POLICY_USAGE } from './iam-policy-command.ts';

export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly run: (args: readonly string[], io: Io) => Promise<number>;
}

/** the command table; `run` is also what a bare `aws-lb-controller [--flags]` runs */
export const commands: Record<string, Command> = {
  plan: { summary: 'print the AWS changes the controller would make for a set of manifests', usage: PLAN_USAGE, run: planCommand },
  run: { summary: 'run the controller (the default command)', usage: RUN_USAGE, run: runCommand },
  demo: { summary: 'run the controller against local stand-ins (moto + kube-apiserver) and print the result', usage: DEMO_USAGE, run: demoCommand },
  'iam-policy': { summary: "print the IAM policy for one cluster's controller (tag conditions name the cluster)", usage: IAM_POLICY_USAGE, run: iamPolicyCommand },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: aws-lb-controller <command> [flags]', '', 'Commands:', ...lines, '',
    'Run `aws-lb-controller <command> --help` for the flags of a command.', ''].join('\n');
}

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  // `run` is the default command: no arguments, or flags first (as upstream's binary takes them)
  const implicitRun = argv.length === 0 || (argv[0]?.startsWith('--') === true && argv[0] !== '--help');
  const [name = 'run', ...rest] = implicitRun ? ['run', ...argv] : argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    io.stdout(help());
    return EXIT_OK;
  }
  // own keys only: "toString" or "constructor" is not a command
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr(`error: unknown command "${name}"\n\n${help()}`);
    return EXIT_ERROR;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return EXIT_ERROR;
    }
    throw e;
  }
}
