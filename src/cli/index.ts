// Command dispatch: `aws-lb-controller <command> [flags]`. Each command returns its exit code.
// Commands load on use: `run` (the controller) never loads the planner's renderers, the demo or the stand-ins.
import { EXIT_ERROR, EXIT_OK, invoke, type Io, type LoadedCommand } from './io.ts';

export interface Command {
  readonly summary: string;
  readonly load: () => Promise<LoadedCommand>;
}

/** the command table; `run` is also what a bare `aws-lb-controller [--flags]` runs */
export const commands: Record<string, Command> = {
  plan: {
    summary: 'print the AWS changes the controller would make for a set of manifests',
    load: async () => { const m = await import('./plan-command.ts'); return { usage: m.PLAN_USAGE, run: m.planCommand }; },
  },
  run: {
    summary: 'run the controller (the default command)',
    load: async () => { const m = await import('./run-command.ts'); return { usage: m.RUN_USAGE, run: m.runCommand }; },
  },
  demo: {
    summary: 'run the controller against local stand-ins (moto + kube-apiserver) and print the result',
    load: async () => { const m = await import('./demo-command.ts'); return { usage: m.DEMO_USAGE, run: m.demoCommand }; },
  },
  'iam-policy': {
    summary: "print the IAM policy for one cluster's controller (tag conditions name the cluster)",
    load: async () => { const m = await import('./iam-policy-command.ts'); return { usage: m.IAM_POLICY_USAGE, run: m.iamPolicyCommand }; },
  },
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
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.stderr(`error: unknown command "${name}"\n\n${help()}`);
    return EXIT_ERROR;
  }
  return invoke(await entry.load(), rest, io);
}
