// Thin read adapters over the ACM client.
import {
  DescribeCertificateCommand, paginateListCertificates,
  type ACMClient, type CertificateDetail, type CertificateStatus, type CertificateSummary, type KeyAlgorithm,
} from '@aws-sdk/client-acm';
import { toAwsError } from './errors.ts';

/** every key algorithm ACM knows; without this filter AWS lists RSA_1024/RSA_2048 certificates only */
export const ALL_KEY_TYPES: readonly KeyAlgorithm[] = [
  'RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1',
];

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAwsError(err, { service: 'acm', operation });
  }
}

export interface ListCertificatesQuery {
  readonly statuses?: readonly CertificateStatus[];
  readonly keyTypes?: readonly KeyAlgorithm[];
}

export const listCertificates = (client: ACMClient, q: ListCertificatesQuery = {}): Promise<CertificateSummary[]> =>
  call('ListCertificates', async () => {
    const out: CertificateSummary[] = [];
    const input = {
      CertificateStatuses: [...(q.statuses ?? ['ISSUED'])],
      Includes: { keyTypes: [...(q.keyTypes ?? ALL_KEY_TYPES)] },
    };
    for await (const p of paginateListCertificates({ client, pageSize: 1000 }, input)) out.push(...(p.CertificateSummaryList ?? []));
    return out;
  });

export const describeCertificate = (client: ACMClient, arn: string): Promise<CertificateDetail | undefined> =>
  call('DescribeCertificate', async () => (await client.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate);
