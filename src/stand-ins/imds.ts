// A stand-in for the EC2 instance metadata service, on loopback: IMDSv2 only, as an instance that requires
// tokens answers. PUT /latest/api/token needs the TTL header (1–21600 s) and returns a token; every
// GET /latest/meta-data/… needs a live token (401 otherwise) and serves the region, the MAC of the primary
// interface and that interface's VPC (404 when none is given, as for an instance outside a VPC). `dropTokenAnswers` mimics a pod beyond the hop limit: the token PUT is
// received and never answered. Requests are recorded for the tests.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ImdsStandInOptions {
  readonly region: string;
  /** omitted: network/interfaces/macs/<mac>/vpc-id answers 404 */
  readonly vpcId?: string;
  /** default 0e:12:34:56:78:9a */
  readonly mac?: string;
  /** never answer the token PUT (a pod beyond the PUT's hop limit) */
  readonly dropTokenAnswers?: boolean;
}

export interface ImdsRequest {
  readonly method: string;
  readonly path: string;
  /** the TTL header of a token PUT */
  readonly ttl: string | undefined;
  /** whether a GET carried a token this stand-in issued */
  readonly validToken: boolean;
}

export interface ImdsStandIn {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly requests: readonly ImdsRequest[];
  stop(): Promise<void>;
}

const MAX_TTL_SECONDS = 21_600;

export async function startImdsStandIn(o: ImdsStandInOptions): Promise<ImdsStandIn> {
  const mac = o.mac ?? '0e:12:34:56:78:9a';
  const metadata: Readonly<Record<string, string>> = {
    'placement/region': o.region,
    mac,
    ...(o.vpcId === undefined ? {} : { [`network/interfaces/macs/${mac}/vpc-id`]: o.vpcId }),
  };
  const tokens = new Map<string, number>();
  const requests: ImdsRequest[] = [];

  const answer = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://imds').pathname;
    const ttlHeader = req.headers['x-aws-ec2-metadata-token-ttl-seconds'];
    const ttl = Array.isArray(ttlHeader) ? ttlHeader[0] : ttlHeader;
    const tokenHeader = req.headers['x-aws-ec2-metadata-token'];
    const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
    const expires = token === undefined ? undefined : tokens.get(token);
    const validToken = expires !== undefined && expires > Date.now();
    requests.push({ method: req.method ?? '', path, ttl, validToken });

    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return answer(res, 405, 'token requests must be PUT');
      if (o.dropTokenAnswers) return; // the answer never comes back
      const seconds = Number(ttl);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS) return answer(res, 400, 'missing or invalid x-aws-ec2-metadata-token-ttl-seconds');
      const issued = randomBytes(24).toString('base64url');
      tokens.set(issued, Date.now() + seconds * 1000);
      return answer(res, 200, issued);
    }
    const prefix = '/latest/meta-data/';
    if (req.method !== 'GET' || !path.startsWith(prefix)) return answer(res, 404, 'not found');
    if (!validToken) return answer(res, 401, 'IMDSv2 token required');
    const value = metadata[path.slice(prefix.length)];
    return value === undefined ? answer(res, 404, 'not found') : answer(res, 200, value);
  };

  const server = createServer((req, res) => { req.resume(); req.on('end', () => handle(req, res)); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
