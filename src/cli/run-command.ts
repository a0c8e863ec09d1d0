// `aws-lb-controller run` (the default command): flags → frozen Config → the controller manager, until
// SIGTERM/SIGINT (graceful: loops drain, the Lease is released) or lost leadership (exit 1, to campaign anew).
import { InstanceMetadata } from '../aws/imds.ts';
import { resolveAwsLocation } from '../config/aws-location.ts';
import { flagUsage, parseConfig } from '../config/config.ts';
import { startManager } from '../controllers/manager.ts';
import { createLogger, errorMessage } from '../server/log.ts';
import { EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';

export const RUN_USAGE = `Usage: aws-lb-controller run --cluster-name NAME [--aws-region REGION] [--aws-vpc-id VPC] [flags]

Runs the controller: watches Ingresses, Services, EndpointSlices, Pods, Nodes and TargetGroupBindings and keeps
the AWS load balancers in step with them. Logs are JSON lines on stderr. Without --aws-region (or AWS_REGION)
and --aws-vpc-id, the region and the VPC are read from the EC2 instance metadata service (IMDSv2).

Flags:
${flagUsage().map((f) => `  ${`${f.flag}${f.bool ? '' : ' VALUE'}`.padEnd(52)} ${f.usage}`).join('\n')}
`;

export async function runCommand(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseConfig(args, process.env);
  if ('errors' in parsed) throw new UsageError(parsed.errors.join('\n       '));
  const config = parsed.config;
  const located = await resolveAwsLocation(config, (endpoint) => new InstanceMetadata({ endpoint }));
  if ('errors' in located) throw new UsageError(located.errors.join('\n       '));
  const aws = located.location;
  const log = createLogger({ level: config.logLevel, write: io.stderr });
  log.info('starting aws-lb-controller', {
    clusterName: config.clusterName, region: aws.region, regionFrom: aws.regionFrom, vpcId: aws.vpcId, vpcIdFrom: aws.vpcIdFrom, pid: process.pid,
  });
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
