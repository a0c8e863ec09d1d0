import assert from 'node:assert/strict';
import { DEFAULT_THROTTLE, FlagError, formatThrottle, normalizeEndpoints, parseEndpoints, parseThrottle } from '../../../src/aws/flags.ts';
import { lookupService } from '../../../src/aws/services.ts';

describe('aws/flags --aws-api-endpoints', () => {
  it('accepts upstream SDK v2 service IDs and the older endpoint prefixes', () => {
    const { endpoints, ignored } = parseEndpoints(
      'Elastic Load Balancing v2=http://127.0.0.1:5000, EC2=http://127.0.0.1:5001,acm=http://127.0.0.1:5002,tagging=https://tag.example.com');
    assert.deepEqual(endpoints, {
      elbv2: 'http://127.0.0.1:5000', ec2: 'http://127.0.0.1:5001', acm: 'http://127.0.0.1:5002', tagging: 'https://tag.example.com',
    });
    assert.deepEqual(ignored, []);
    assert.deepEqual(parseEndpoints('elasticloadbalancing=http://h:1').endpoints, { elbv2: 'http://h:1' });
    assert.deepEqual(parseEndpoints('Resource Groups Tagging API=http://h:1').endpoints, { tagging: 'http://h:1' });
  });

  it('treats an empty value as no overrides', () => {
    assert.deepEqual(parseEndpoints('').endpoints, {});
    assert.deepEqual(parseEndpoints(' , ').endpoints, {});
  });

  it('ignores, and reports, services upstream knows but this controller does not call', () => {
    const r = parseEndpoints('WAF Regional=http://h:1,ec2=http://h:2,STS=http://h:3');
    assert.deepEqual(r.endpoints, { ec2: 'http://h:2' });
    assert.deepEqual(r.ignored, ['WAF Regional', 'STS']);
  });

  it('takes the WAFv2 and Shield endpoints (their clients are built on first use)', () => {
    const r = parseEndpoints('WAFV2=http://h:1,Shield=http://h:3');
    assert.deepEqual(r.endpoints, { wafv2: 'http://h:1', shield: 'http://h:3' });
    assert.deepEqual(r.ignored, []);
  });

  it('names the flag, the entry and the expectation in each error', () => {
    assert.throws(() => parseEndpoints('ec2'), (e: unknown) => e instanceof FlagError && e.flag === 'aws-api-endpoints'
      && /--aws-api-endpoints: "ec2" must be formatted as serviceID=URL/.test(e.message));
    assert.throws(() => parseEndpoints('=http://h'), /"=http:\/\/h" must be formatted as serviceID=URL/);
    assert.throws(() => parseEndpoints('s3=http://h'), /unknown service ID "s3" in "s3=http:\/\/h"; expected one of "Elastic Load Balancing v2" \(or "elasticloadbalancing"\)/);
    assert.throws(() => parseEndpoints('ec2=localhost:5000'), /"localhost:5000" in "ec2=localhost:5000" must be an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => parseEndpoints('ec2=not a url'), /"not a url" in "ec2=not a url" is not a URL/);
    assert.throws(() => parseEndpoints('ec2=http://a,EC2=http://b'), /service "EC2" is given more than once/);
  });

  it('normalises a map keyed by any accepted spelling', () => {
    assert.deepEqual(normalizeEndpoints({ elasticloadbalancing: 'http://h:1', EC2: 'http://h:2' }).endpoints, { elbv2: 'http://h:1', ec2: 'http://h:2' });
  });

  it('looks service IDs up case-insensitively', () => {
    assert.deepEqual(lookupService(' elastic load balancing V2 '), { kind: 'used', key: 'elbv2' });
    assert.deepEqual(lookupService('WAF Regional'), { kind: 'unused' });
    assert.deepEqual(lookupService('dynamodb'), { kind: 'unknown' });
  });
});

describe('aws/flags --aws-api-throttle', () => {
  it('has upstream defaults for ELBv2', () => {
    const rules = DEFAULT_THROTTLE.elbv2 ?? [];
    const find = (op: string) => rules.filter((r) => r.operation.test(op)).map((r) => [r.rate, r.burst]);
    assert.deepEqual(find('RegisterTargets'), [[4, 20]]);
    assert.deepEqual(find('DeregisterTargets'), [[4, 20]]);
    assert.deepEqual(find('DescribeTargetHealth'), [[50, 200]]);
    assert.deepEqual(find('ModifyRule'), [[3, 20]]);
    assert.deepEqual(find('CreateRule'), []);
  });

  it('replaces the defaults of each service it names and keeps the others', () => {
    const { config } = parseThrottle('Elastic Load Balancing v2:RegisterTargets|DeregisterTargets=2.5:10,elbv2:.*=10:40');
    assert.deepEqual(config.elbv2?.map((r) => [r.pattern, r.rate, r.burst]), [['RegisterTargets|DeregisterTargets', 2.5, 10], ['.*', 10, 40]]);
    assert.equal(config.ec2, DEFAULT_THROTTLE.ec2);
    assert.equal(config.acm, DEFAULT_THROTTLE.acm);
  });

  it('accepts the WAF entries of upstream\'s documented default: WAFv2 is used, WAF Regional (retired) ignored', () => {
    const r = parseThrottle('WAFV2:^AssociateWebACL|DisassociateWebACL=0.5:1,WAF Regional:^GetWebACLForResource|ListResourcesForWebACL=1:1');
    assert.deepEqual(r.ignored, ['WAF Regional']);
    assert.deepEqual(r.config.wafv2?.map((x) => [x.pattern, x.rate, x.burst]), [['^AssociateWebACL|DisassociateWebACL', 0.5, 1]]);
    assert.equal(r.config.ec2, DEFAULT_THROTTLE.ec2);
  });

  it('has upstream defaults for WAFv2', () => {
    const find = (op: string) => (DEFAULT_THROTTLE.wafv2 ?? []).filter((x) => x.operation.test(op)).map((x) => [x.rate, x.burst]);
    assert.deepEqual(find('AssociateWebACL'), [[0.5, 1]]);
    assert.deepEqual(find('GetWebACLForResource'), [[1, 1]]);
  });

  it('keeps a colon inside the operation pattern', () => {
    const { config } = parseThrottle('ec2:(?:Describe)Subnets=1:1');
    assert.ok(config.ec2?.[0]?.operation.test('DescribeSubnets'));
  });

  it('round-trips through formatThrottle', () => {
    const again = parseThrottle(formatThrottle(DEFAULT_THROTTLE), {}).config;
    assert.deepEqual(formatThrottle(again), formatThrottle(DEFAULT_THROTTLE));
  });

  it('reports precise errors', () => {
    assert.throws(() => parseThrottle('elbv2:.*'), /--aws-api-throttle: "elbv2:\.\*" must be formatted as serviceID:operationRegex=rate:burst/);
    assert.throws(() => parseThrottle('elbv2=1:2'), /"elbv2" in "elbv2=1:2" must be formatted as serviceID:operationRegex/);
    assert.throws(() => parseThrottle('elbv2:=1:2'), /"elbv2:" in "elbv2:=1:2" must be formatted as serviceID:operationRegex/);
    assert.throws(() => parseThrottle('elbv2:.*=5'), /"5" in "elbv2:\.\*=5" must be formatted as rate:burst/);
    assert.throws(() => parseThrottle('elbv2:.*=fast:2'), /rate "fast" in "elbv2:\.\*=fast:2" must be a positive number/);
    assert.throws(() => parseThrottle('elbv2:.*=0:2'), /rate "0" .* must be a positive number/);
    assert.throws(() => parseThrottle('elbv2:.*=1:0'), /burst "0" .* must be a whole number of at least 1/);
    assert.throws(() => parseThrottle('elbv2:.*=1:2.5'), /burst "2.5"/);
    assert.throws(() => parseThrottle('elbv2:(Describe=1:2'), /"\(Describe" in "elbv2:\(Describe=1:2" is not a valid regular expression/);
    assert.throws(() => parseThrottle('lambda:.*=1:2'), /unknown service ID "lambda"/);
  });
});
