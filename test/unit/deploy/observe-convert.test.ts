import assert from 'node:assert/strict';
import {
  fromIpPermissions, fromSdkAction, fromSdkActions, fromSdkCondition, toListenerSpec, toLoadBalancerSpec, toRuleSpec, toTargetGroupSpec,
} from '../../../src/deploy/convert.ts';

describe('deploy/convert (SDK shapes → model specs)', () => {
  it('turns every forward into forwardConfig.targetGroups', () => {
    assert.deepEqual(fromSdkAction({ Type: 'forward', TargetGroupArn: 'arn:tg' }),
      { type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: 'arn:tg' }] } });
    // what moto fills in for a ForwardConfig is kept; plan/ normalises weights and disabled stickiness
    assert.deepEqual(fromSdkAction({ Type: 'forward', TargetGroupArn: 'arn:tg', ForwardConfig: {
      TargetGroups: [{ TargetGroupArn: 'arn:tg', Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }),
    { type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: 'arn:tg', weight: 1 }], targetGroupStickinessConfig: { enabled: false } } });
  });

  it('keeps redirect and fixed-response fields as reported', () => {
    assert.deepEqual(fromSdkAction({ Type: 'redirect', RedirectConfig: {
      Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_302' } }),
    { type: 'redirect', redirectConfig: { protocol: 'HTTPS', port: '443', host: '#{host}', path: '/#{path}', query: '#{query}', statusCode: 'HTTP_302' } });
    assert.deepEqual(fromSdkAction({ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain', MessageBody: 'gone' } }),
      { type: 'fixed-response', fixedResponseConfig: { statusCode: '503', contentType: 'text/plain', messageBody: 'gone' } });
  });

  it('orders actions by Order and leaves out types the model lacks', () => {
    const actions = fromSdkActions([
      { Type: 'forward', Order: 3, TargetGroupArn: 'arn:tg' },
      { Type: 'authenticate-oidc', Order: 1 },
      { Type: 'some-future-type' as 'forward', Order: 2 },
    ]);
    assert.deepEqual(actions.map((a) => a.type), ['authenticate-oidc', 'forward']);
  });

  it('reads conditions from legacy Values', () => {
    assert.deepEqual(fromSdkCondition({ Field: 'host-header', Values: ['b.example.com', 'a.example.com'] }),
      { field: 'host-header', hostHeaderConfig: { values: ['a.example.com', 'b.example.com'] } });
    assert.equal(fromSdkCondition({ Field: 'unknown-field' }), undefined);
  });

  it('skips the default rule', () => {
    assert.equal(toRuleSpec({ RuleArn: 'r', Priority: 'default', IsDefault: true }, 'l', {}), undefined);
    assert.equal(toRuleSpec({ RuleArn: 'r', Priority: '7' }, 'l', {})?.priority, 7);
  });

  it('keeps a load balancer\'s real type so the plan can replace it', () => {
    assert.equal(toLoadBalancerSpec({ Type: 'network' }, {}, {}).type, 'network');
  });

  it('uses the listener\'s own certificate when DescribeListenerCertificates was not read; HTTP listeners have none', () => {
    assert.deepEqual(toListenerSpec({ Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: 'c1' }] }, undefined, {}).certificates, ['c1']);
    assert.deepEqual(toListenerSpec({ Port: 80, Protocol: 'HTTP', SslPolicy: 'x' }, undefined, {}), {
      loadBalancer: '', port: 80, protocol: 'HTTP', certificates: [], defaultActions: [], tags: {},
    });
  });

  it('fills health-check fields AWS leaves out with AWS defaults, and reads a GRPC matcher', () => {
    const spec = toTargetGroupSpec({ TargetGroupName: 'g', Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1', ProtocolVersion: 'GRPC', TargetType: 'ip',
      Matcher: { GrpcCode: '12' } }, {}, {});
    assert.deepEqual(spec.healthCheck, { enabled: true, port: 'traffic-port', protocol: 'HTTP', path: '/', intervalSeconds: 30, timeoutSeconds: 5,
      healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: { grpcCode: '12' } });
    assert.equal(spec.protocolVersion, 'GRPC');
    assert.equal(spec.targetType, 'ip');
  });

  it('keeps non-TCP ingress rules (to be revoked) and leaves out rules naming other groups', () => {
    assert.deepEqual(fromIpPermissions([
      { IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: 'sg-x' }] },
    ]), [{ ipProtocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '10.0.0.0/8' }]);
  });
});
