// A stand-in for the SDK's HTTP handler: the whole middleware stack (retries, throttling, counting,
// signing, (de)serialisation) runs for real, only the network is replaced.
import { Readable } from 'node:stream';

export interface SeenRequest {
  readonly hostname: string;
  readonly port: number | undefined;
  readonly protocol: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface FakeReply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export class FakeHttp {
  readonly seen: SeenRequest[] = [];
  readonly #reply: (req: SeenRequest, n: number) => FakeReply;

  constructor(reply: (req: SeenRequest, n: number) => FakeReply) {
    this.#reply = reply;
  }

  handle = async (req: { hostname: string; port?: number; protocol: string; body?: unknown; headers: Record<string, string> }): Promise<{ response: unknown }> => {
    const body = typeof req.body === 'string' ? req.body : req.body instanceof Uint8Array ? Buffer.from(req.body).toString('utf8') : '';
    const seen = { hostname: req.hostname, port: req.port, protocol: req.protocol, body, headers: req.headers };
    this.seen.push(seen);
    const r = this.#reply(seen, this.seen.length);
    return {
      response: {
        statusCode: r.status,
        headers: { 'content-type': r.contentType ?? 'text/xml' },
        body: Readable.from([Buffer.from(r.body)]),
      },
    };
  };
}

const ELB_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

export const elbError = (code: string, message = code): FakeReply => ({
  status: 400,
  body: `<ErrorResponse xmlns="${ELB_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
});

export const elbOk = (operation: string, resultXml = ''): FakeReply => ({
  status: 200,
  body: `<${operation}Response xmlns="${ELB_NS}"><${operation}Result>${resultXml}</${operation}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${operation}Response>`,
});

export const ec2Ok = (operation: string, inner = ''): FakeReply => ({
  status: 200,
  body: `<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>${inner}</${operation}Response>`,
});

export const jsonOk = (body: unknown): FakeReply => ({ status: 200, body: JSON.stringify(body), contentType: 'application/x-amz-json-1.1' });

export const action = (req: SeenRequest): string | undefined => /(?:^|&)Action=([^&]+)/.exec(req.body)?.[1];

/** an account with nothing in it: the listings observe reads are empty, and any other call is an error (a write) */
export const emptyAccount = (req: SeenRequest): FakeReply => {
  const a = action(req) ?? '';
  if (a === 'DescribeLoadBalancers') return elbOk(a, '<LoadBalancers/>');
  if (a === 'DescribeTargetGroups') return elbOk(a, '<TargetGroups/>');
  if (a === 'DescribeSecurityGroups') return ec2Ok(a, '<securityGroupInfo/>');
  return elbError('UnexpectedWrite', `unexpected call ${a}`);
};

/** the calls other than reads (Describe*) that `http` was sent */
export const writesSeen = (http: FakeHttp): (string | undefined)[] => http.seen.map(action).filter((a) => !a?.startsWith('Describe'));

export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
