// Throwaway keys and certificates made with the openssl CLI.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stand-ins: openssl ${args.join(' ')} failed: ${r.stderr || r.error}`);
}

export interface ApiserverPki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  saPublicKey: string;
  saPrivateKey: string;
}

/** A CA, an apiserver serving certificate for 127.0.0.1/localhost, and a service-account key pair. */
export function makeApiserverPki(dir: string): ApiserverPki {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '7', '-subj', '/CN=stand-ins-ca', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', 'apiserver.key', '-out', 'apiserver.csr'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '7',
    '-extfile', 'san.ext', '-out', 'apiserver.crt'], dir);
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    caCert: join(dir, 'ca.crt'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    saPublicKey: join(dir, 'sa.pub'),
    saPrivateKey: join(dir, 'sa.key'),
  };
}

export interface PemPair {
  certificate: string;
  privateKey: string;
}

/**
 * A self-signed RSA-2048 certificate for ACM ImportCertificate: CN = first name, every name in the
 * SAN extension (ACM reports exactly the SAN extension as SubjectAlternativeNames).
 */
export function makeDomainCert(dir: string, fileStem: string, names: string[]): PemPair {
  const [cn] = names;
  if (!cn) throw new Error('makeDomainCert: at least one name');
  const ext = join(dir, `${fileStem}.ext`);
  writeFileSync(ext, `[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n` +
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', `/CN=${cn}`, '-config', ext, '-extensions', 'v3',
    '-keyout', `${fileStem}.key`, '-out', `${fileStem}.crt`], dir);
  return {
    certificate: readFileSync(join(dir, `${fileStem}.crt`), 'utf8'),
    privateKey: readFileSync(join(dir, `${fileStem}.key`), 'utf8'),
  };
}
