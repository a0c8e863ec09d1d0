// `aws-lb-controller run` (the default command): flags → frozen Config → the controller manager, until
// SIGTERM/SIGINT (graceful: loops drain, the Lease is released) or lost leadership (exit 1, to campaign anew).
import { flagUsage, parseConfig } from '../config/config.ts';
import { requireAwsSettings, startManager } from '../controllers/manager.ts';
import { createLogger, errorMessage } from '../server/log.ts';
import { EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';

export const RUN_USAGE = `Usage: aws-lb-controller run --cluster-name NAME --aws-vpc-id VPC --aws-region REGION [flags]

Runs the controller: watches Ingresses, Services, EndpointSlices, Pods, Nodes and TargetGroupBindings and keeps
the AWS load balancers in step with them. Logs are JSON lines on stderr.

Flags:
${flagUsage().map((f) => `  ${`${f.flag}${f.bool ? '' : ' VALUE'}`.padEnd(52)} ${f.usage}`).join('\n')}
`;

export async function runCommand(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseConfig(args, process.env);
  if ('errors' in parsed) throw new UsageError(parsed.errors.join('\n       '));
  const config = parsed.config;
  const aws = requireAwsSettings(config);
  if ('errors' in aws) throw new UsageError(aws.errors.join('\n       '));
  const log = createLogger({ level: config.logLevel, write: io.stderr });
  log.info('starting aws-lb-controller', { clusterName: config.clusterName, region: aws.region, vpcId: aws.vpcId, pid: process.pid });
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: errorMessage(err) }));

  let manager;
  try {
    manager = await startManager(config, aws, log);
  } catch (err) {
    log.error('could not start', { error: errorMessage(err) });
    return EXIT_ERROR;
  }
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const outcome = await new Promise<{ code: number; why: string }>((resolve) => {
    for (const s of signals) process.once(s, () => resolve({ code: EXIT_OK, why: `received ${s}` }));
    void manager.lostLeadership.then((why) => resolve({ code: EXIT_ERROR, why }));
  });
  log.info('shutting down', { reason: outcome.why });
  // a second signal, or a stuck shutdown, ends the process anyway
  const force = setTimeout(() => { log.warn('shutdown took too long; exiting'); process.exit(outcome.code || EXIT_ERROR); }, 20_000);
  for (const s of signals) process.once(s, () => process.exit(outcome.code || EXIT_ERROR));
  await manager.stop();
  clearTimeout(force);
  log.info('stopped');
  // watch connections may linger in the HTTP agent; nothing is left to do
  setTimeout(() => process.exit(outcome.code), 200).unref();
  return outcome.code;
}
