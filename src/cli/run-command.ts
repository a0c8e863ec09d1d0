// `aws-lb-controller run` (the default command): flags → frozen Config → the controller manager, until
// SIGTERM/SIGINT (graceful: loops drain, the Lease is released) or lost leadership (exit 1, to campaign anew).
import { InstanceMetadata } from '../aws/imds.ts';
import { createVpcFinder } from '../aws/vpc-finder.ts';
import { resolveAwsLocation } from '../config/aws-location.ts';
import { CONFIG_DEFAULTS, flagUsage, parseConfig } from '../config/config.ts';
import { startManager } from '../controllers/manager.ts';
import { createLogger, errorMessage } from '../server/log.ts';
import { EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';

export const RUN_USAGE = `Usage: aws-lb-controller run --cluster-name NAME [--aws-region REGION] [--aws-vpc-id VPC] [flags]

Runs the controller: watches Ingresses, Services, EndpointSlices, Pods, Nodes and TargetGroupBindings and keeps
the AWS load balancers in step with them. Logs are JSON lines on stderr. Without --aws-region (or AWS_REGION),
the region is read from the EC2 instance metadata service (IMDSv2); without --aws-vpc-id, the VPC is the one
with all --aws-vpc-tags, else read from instance metadata, else that of the instance named by $NODENAME.

Flags:
${flagUsage().map((f) => `  ${`${f.flag}${f.bool ? '' : ' VALUE'}`.padEnd(52)} ${f.usage}`).join('\n')}
`;

export async function runCommand(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseConfig(args, process.env);
  if ('errors' in parsed) throw new UsageError(parsed.errors.join('\n       '));
  const config = parsed.config;
  const located = await resolveAwsLocation(config, {
    metadata: (endpoint) => new InstanceMetadata({ endpoint }),
    ec2: (region) => createVpcFinder({ region, endpoints: config.awsApiEndpoints, maxRetries: config.awsMaxRetries }),
  });
  if ('errors' in located) throw new UsageError(located.errors.join('\n       '));
  const aws = located.location;
  const log = createLogger({ level: config.logLevel, write: io.stderr });
  if (config.awsVpcTagKey !== CONFIG_DEFAULTS.awsVpcTagKey) {
    log.warn('--aws-vpc-tag-key is deprecated and has no effect (upstream\'s neither): every tag of --aws-vpc-tags is used', { awsVpcTagKey: config.awsVpcTagKey });
  }
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
