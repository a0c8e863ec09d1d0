// Thin adapters over the ACM client: reads, and the writes of create-acm-cert (src/deploy/acm-certificates.ts).
import {
  DeleteCertificateCommand, DescribeCertificateCommand, ListTagsForCertificateCommand, RequestCertificateCommand, paginateListCertificates,
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

export const listCertificateTags = (client: ACMClient, arn: string): Promise<Record<string, string>> =>
  call('ListTagsForCertificate', async () => {
    const out = await client.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
    return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  });

export interface CertificateRequestInput {
  readonly domainName: string;
  readonly subjectAlternativeNames: readonly string[];
  readonly certificateAuthorityArn?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** ACM returns the same certificate for the same token within an hour: a retry after a lost answer makes no second one */
  readonly idempotencyToken: string;
}

/** RequestCertificate with its tags in the same call (a crash after it leaves a certificate the next reconcile finds) */
export const requestCertificate = (client: ACMClient, r: CertificateRequestInput): Promise<string> =>
  call('RequestCertificate', async () => {
    const out = await client.send(new RequestCertificateCommand({
      DomainName: r.domainName,
      SubjectAlternativeNames: [...r.subjectAlternativeNames],
      ...(r.certificateAuthorityArn ? { CertificateAuthorityArn: r.certificateAuthorityArn } : { ValidationMethod: 'DNS' }),
      IdempotencyToken: r.idempotencyToken,
      Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
    }));
    if (!out.CertificateArn) throw new Error('RequestCertificate returned no CertificateArn');
    return out.CertificateArn;
  });

export const deleteCertificate = (client: ACMClient, arn: string): Promise<void> =>
  call('DeleteCertificate', async () => { await client.send(new DeleteCertificateCommand({ CertificateArn: arn })); });
