// Seeding: make moto and the apiserver look like a small EKS cluster.
//   moto: a VPC with two public and two private subnets (two AZs) tagged for discovery, a node security
//         group, one EC2 instance per private subnet, and two imported ACM certificates.
//   cluster: one Node per instance (providerID, zone label, Ready, InternalIP).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EC2Client, CreateVpcCommand, CreateSubnetCommand, CreateSecurityGroupCommand, RunInstancesCommand,
  CreateInternetGatewayCommand, AttachInternetGatewayCommand, type Tag } from '@aws-sdk/client-ec2';
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { ElasticLoadBalancingV2Client, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as k8s from '@kubernetes/client-node';
import { makeDomainCert } from './certs.ts';
import { isApiError } from './kube.ts';

export const MOTO_ACCOUNT_ID = '123456789012';

/** SDK v3 client settings for moto. Spread into any `new XxxClient({...})`. */
export interface AwsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function awsClientConfig(endpoint: string, region = 'us-east-1'): AwsClientConfig {
  return { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

export interface SubnetFact {
  id: string;
  az: string;
  cidr: string;
  role: 'public' | 'private';
}

export interface NodeFact {
  instanceId: string;
  nodeName: string;
  az: string;
  subnetId: string;
  privateIp: string;
  providerId: string;
}

export interface CertFact {
  arn: string;
  domain: string;
  sans: string[];
}

/** What seeding created; IDs change after every resetAws(). */
export interface SeededFacts {
  clusterName: string;
  region: string;
  accountId: string;
  vpcId: string;
  vpcCidr: string;
  subnets: { public: SubnetFact[]; private: SubnetFact[] };
  nodeSecurityGroupId: string;
  nodes: NodeFact[];
  certificates: { exact: CertFact; wildcard: CertFact };
}

/** Label on every Node the seeding creates, so a reseed can find and replace them. */
export const SEEDED_NODE_LABEL = 'stand-ins.aws-lb-controller/seeded';

const VPC_CIDR = '10.0.0.0/16';
const SUBNET_PLAN: { role: 'public' | 'private'; az: string; cidr: string }[] = [
  { role: 'public', az: 'a', cidr: '10.0.0.0/19' },
  { role: 'public', az: 'b', cidr: '10.0.32.0/19' },
  { role: 'private', az: 'a', cidr: '10.0.128.0/19' },
  { role: 'private', az: 'b', cidr: '10.0.160.0/19' },
];

function tags(obj: Record<string, string>): Tag[] {
  return Object.entries(obj).map(([Key, Value]) => ({ Key, Value }));
}

function must<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null) throw new Error(`stand-ins seed: moto returned no ${what}`);
  return v;
}

export async function seedAws(cfg: AwsClientConfig, clusterName: string, workDir: string): Promise<SeededFacts> {
  const ec2 = new EC2Client(cfg);
  const acm = new ACMClient(cfg);
  const clusterTag = `kubernetes.io/cluster/${clusterName}`;
  const certDir = join(workDir, 'acm');
  mkdirSync(certDir, { recursive: true });
  const importCert = async (stem: string, names: string[]): Promise<CertFact> => {
    const pem = makeDomainCert(certDir, stem, names);
    const out = await acm.send(new ImportCertificateCommand({
      Certificate: Buffer.from(pem.certificate), PrivateKey: Buffer.from(pem.privateKey),
      Tags: [{ Key: 'stand-ins', Value: stem }],
    }));
    return { arn: must(out.CertificateArn, 'CertificateArn'), domain: names[0] ?? '', sans: names };
  };
  try {
    // ACM and EC2 in parallel: moto's first call to each service takes seconds.
    const certsP = (async () => ({
      exact: await importCert('shop-example-com', ['shop.example.com']),
      wildcard: await importCert('wildcard-example-com', ['*.example.com']),
    }))();
    certsP.catch(() => {});
    // Warm moto's ELBv2 backend too, so the controller's first reconcile is not the slow call.
    const elb = new ElasticLoadBalancingV2Client(cfg);
    const warmP = elb.send(new DescribeLoadBalancersCommand({})).finally(() => elb.destroy());
    warmP.catch(() => {});
    const vpc = await ec2.send(new CreateVpcCommand({
      CidrBlock: VPC_CIDR,
      TagSpecifications: [{ ResourceType: 'vpc', Tags: tags({ Name: `${clusterName}-vpc`, [clusterTag]: 'shared' }) }],
    }));
    const vpcId = must(vpc.Vpc?.VpcId, 'VpcId');
    const igw = await ec2.send(new CreateInternetGatewayCommand({
      TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: tags({ Name: `${clusterName}-igw` }) }],
    }));
    await ec2.send(new AttachInternetGatewayCommand({ VpcId: vpcId, InternetGatewayId: must(igw.InternetGateway?.InternetGatewayId, 'InternetGatewayId') }));

    const subnets: SubnetFact[] = [];
    for (const p of SUBNET_PLAN) {
      const az = `${cfg.region}${p.az}`;
      const roleTag = p.role === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb';
      const s = await ec2.send(new CreateSubnetCommand({
        VpcId: vpcId, CidrBlock: p.cidr, AvailabilityZone: az,
        TagSpecifications: [{ ResourceType: 'subnet', Tags: tags({ Name: `${clusterName}-${p.role}-${az}`, [roleTag]: '1', [clusterTag]: 'shared' }) }],
      }));
      subnets.push({ id: must(s.Subnet?.SubnetId, 'SubnetId'), az, cidr: p.cidr, role: p.role });
    }

    const sg = await ec2.send(new CreateSecurityGroupCommand({
      VpcId: vpcId, GroupName: `${clusterName}-node`, Description: `EKS node security group of ${clusterName}`,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: tags({ Name: `${clusterName}-node`, [clusterTag]: 'owned' }) }],
    }));
    const nodeSecurityGroupId = must(sg.GroupId, 'GroupId');

    const nodes: NodeFact[] = [];
    for (const s of subnets.filter((x) => x.role === 'private')) {
      const r = await ec2.send(new RunInstancesCommand({
        ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large', MinCount: 1, MaxCount: 1,
        SubnetId: s.id, SecurityGroupIds: [nodeSecurityGroupId],
        TagSpecifications: [{ ResourceType: 'instance', Tags: tags({ Name: `${clusterName}-node-${s.az}`, [clusterTag]: 'owned', 'eks:cluster-name': clusterName }) }],
      }));
      const inst = must(r.Instances?.[0], 'instance');
      const instanceId = must(inst.InstanceId, 'InstanceId');
      const privateIp = must(inst.PrivateIpAddress, 'PrivateIpAddress');
      nodes.push({
        instanceId, az: s.az, subnetId: s.id, privateIp,
        nodeName: `ip-${privateIp.replaceAll('.', '-')}.ec2.internal`,
        providerId: `aws:///${s.az}/${instanceId}`,
      });
    }

    const { exact, wildcard } = await certsP;
    await warmP;

    return {
      clusterName, region: cfg.region, accountId: MOTO_ACCOUNT_ID, vpcId, vpcCidr: VPC_CIDR,
      subnets: { public: subnets.filter((s) => s.role === 'public'), private: subnets.filter((s) => s.role === 'private') },
      nodeSecurityGroupId, nodes, certificates: { exact, wildcard },
    };
  } finally {
    ec2.destroy();
    acm.destroy();
  }
}

/** Replaces every seeded Node with one per instance in `facts` (Ready, InternalIP, providerID, zone). */
export async function seedNodes(adminKc: k8s.KubeConfig, facts: SeededFacts): Promise<void> {
  const core = adminKc.makeApiClient(k8s.CoreV1Api);
  const old = await core.listNode({ labelSelector: `${SEEDED_NODE_LABEL}=true` });
  for (const n of old.items) {
    try {
      await core.deleteNode({ name: n.metadata?.name ?? '' });
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
  }
  for (const n of facts.nodes) {
    await core.createNode({
      body: {
        metadata: {
          name: n.nodeName,
          labels: {
            [SEEDED_NODE_LABEL]: 'true',
            'kubernetes.io/hostname': n.nodeName,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'node.kubernetes.io/instance-type': 'm5.large',
            'topology.kubernetes.io/region': facts.region,
            'topology.kubernetes.io/zone': n.az,
          },
        },
        spec: { providerID: n.providerId },
      },
    });
    // Status is a subresource: a create drops it, so write it separately.
    const node = await core.readNode({ name: n.nodeName });
    const now = new Date();
    node.status = {
      conditions: [{
        type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'seeded by the stand-ins',
        lastHeartbeatTime: now, lastTransitionTime: now,
      }],
      addresses: [
        { type: 'InternalIP', address: n.privateIp },
        { type: 'Hostname', address: n.nodeName },
        { type: 'InternalDNS', address: n.nodeName },
      ],
    };
    await core.replaceNodeStatus({ name: n.nodeName, body: node });
  }
}
