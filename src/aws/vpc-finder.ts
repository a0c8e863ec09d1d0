// The EC2 reads start-up makes to find the cluster's VPC when --aws-vpc-id is not given (src/config/aws-location.ts):
// upstream's --aws-vpc-tags lookup and its $NODENAME fallback. Short-lived clients, with the controller's endpoint
// and retry settings.
import type { VpcFinder } from '../config/aws-location.ts';
import { createAwsClients, type AwsClientsConfig } from './clients.ts';
import { describeInstances, describeVpcs } from './ec2.ts';

export function createVpcFinder(cfg: AwsClientsConfig): VpcFinder {
  const clients = createAwsClients(cfg);
  return {
    // one filter per tag: EC2 ANDs the filters
    vpcIdsWithTags: async (tags) => (await describeVpcs(clients.ec2, Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] }))))
      .flatMap((v) => (v.VpcId ? [v.VpcId] : [])),
    vpcIdsOfInstance: async (instanceId) => (await describeInstances(clients.ec2, [instanceId])).map((i) => i.VpcId),
    destroy: () => clients.destroy(),
  };
}
