import assert from 'node:assert/strict';
import { TargetGroupNotFoundException, DuplicateTargetGroupNameException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsError, awsErrorCodeOf, classifyAwsCode, isAwsError, toAwsError } from '../../../src/aws/errors.ts';

describe('aws/errors', () => {
  const cases: [string, string][] = [
    ['LoadBalancerNotFound', 'NotFound'], ['TargetGroupNotFound', 'NotFound'], ['ListenerNotFound', 'NotFound'], ['RuleNotFound', 'NotFound'],
    ['CertificateNotFound', 'NotFound'], ['InvalidGroup.NotFound', 'NotFound'], ['InvalidSubnetID.NotFound', 'NotFound'],
    ['InvalidPermission.NotFound', 'NotFound'], ['ResourceNotFoundException', 'NotFound'], ['SubnetNotFound', 'NotFound'],
    ['Throttling', 'Throttled'], ['ThrottlingException', 'Throttled'], ['RequestLimitExceeded', 'Throttled'], ['TooManyRequestsException', 'Throttled'],
    ['ResourceInUse', 'InUse'], ['DependencyViolation', 'InUse'], ['InvalidGroup.InUse', 'InUse'],
    ['DuplicateLoadBalancerName', 'Duplicate'], ['DuplicateTargetGroupName', 'Duplicate'], ['DuplicateListener', 'Duplicate'],
    ['InvalidPermission.Duplicate', 'Duplicate'], ['InvalidGroup.Duplicate', 'Duplicate'], ['PriorityInUse', 'Duplicate'],
    ['AccessDenied', 'AccessDenied'], ['AccessDeniedException', 'AccessDenied'], ['UnauthorizedOperation', 'AccessDenied'], ['AuthFailure', 'AccessDenied'],
    ['ValidationError', 'Validation'], ['InvalidConfigurationRequest', 'Validation'], ['InvalidTarget', 'Validation'],
    ['InvalidParameterValue', 'Validation'], ['TooManyRules', 'Validation'], ['TooManyTargets', 'Validation'], ['InvalidGroupId.Malformed', 'Validation'],
    ['InternalFailure', 'Unknown'], ['ECONNREFUSED', 'Unknown'],
    // modelled errors' names, as aws-sdk-client-mock tests and JSON protocols (ACM) report them
    ['TargetGroupNotFoundException', 'NotFound'], ['ResourceInUseException', 'InUse'], ['PriorityInUseException', 'Duplicate'],
    ['ValidationException', 'Validation'], ['TooManyRulesException', 'Validation'], ['ThrottlingException', 'Throttled'],
    ['InvalidArnException', 'Validation'], ['LimitExceededException', 'Validation'],
  ];
  for (const [awsCode, code] of cases) {
    it(`maps ${awsCode} to ${code}`, () => assert.equal(classifyAwsCode(awsCode), code));
  }

  it('wraps an SDK exception, keeping the AWS code, status and cause', () => {
    const sdk = new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: { httpStatusCode: 400 } });
    const e = toAwsError(sdk, { service: 'elbv2', operation: 'DescribeTargetGroups' });
    assert.ok(e instanceof AwsError);
    assert.equal(e.code, 'NotFound');
    assert.equal(e.awsCode, 'TargetGroupNotFoundException');
    assert.equal(e.httpStatus, 400);
    assert.equal(e.cause, sdk);
    assert.equal(e.retryable, false);
    assert.equal(e.message, 'elbv2 DescribeTargetGroups: TargetGroupNotFoundException: One or more target groups not found');
    assert.ok(isAwsError(e, 'NotFound'));
    assert.ok(!isAwsError(e, 'Duplicate'));
    assert.ok(isAwsError(toAwsError(new DuplicateTargetGroupNameException({ message: 'x', $metadata: {} })), 'Duplicate'));
  });

  it('prefers the wire code (Code) that query-protocol errors carry', () => {
    const sdk = Object.assign(new TargetGroupNotFoundException({ message: 'gone', $metadata: {} }), { Code: 'TargetGroupNotFound' });
    assert.equal(awsErrorCodeOf(sdk), 'TargetGroupNotFound');
    assert.equal(toAwsError(sdk).awsCode, 'TargetGroupNotFound');
  });

  it('uses the Node error code of transport errors, and calls 5xx retryable', () => {
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    const e = toAwsError(net);
    assert.equal(e.awsCode, 'ECONNREFUSED');
    assert.equal(e.code, 'Unknown');
    const server = toAwsError(Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }));
    assert.equal(server.retryable, true);
    assert.equal(toAwsError({ name: 'Throttling', message: 'slow down' }).retryable, true);
  });

  it('passes AwsErrors through untouched', () => {
    const e = new AwsError('InUse', 'ResourceInUse', 'x');
    assert.equal(toAwsError(e), e);
  });
});
