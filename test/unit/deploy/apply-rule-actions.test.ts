// The exact SDK requests for what moto does not implement (JWT validation, transforms, regexValues) and for the
// OIDC client secret, which apply reads from its Secret just before sending and records as a digest tag.
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { AddTagsCommand, CreateRuleCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { applyPlan, type ApplyChange } from '../../../src/deploy/apply.ts';
import { TAG_OIDC_SECRET_DIGEST, type Action, type ListenerRuleSpec } from '../../../src/model/index.ts';
import { ARN, CLUSTER, create, fastTiming, forwardTo, plan, ruleSpec, tagsFor } from './apply-fixtures.ts';

const elb = mockClient(ElasticLoadBalancingV2Client);
const SECRET = 'the-client-secret';
const deps = (reads: string[] = []) => ({
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), ec2: new EC2Client({ region: 'us-east-1' }), clusterName: CLUSTER, timing: fastTiming(),
  oidcClients: async (secret: string) => { reads.push(secret); return { clientId: 'client-1', clientSecret: SECRET, digest: 'digest-now' }; },
});

const jwt: Action = {
  type: 'jwt-validation',
  jwtValidationConfig: { jwksEndpoint: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com', additionalClaims: [{ format: 'string-array', name: 'groups', values: ['admins', 'ops'] }] },
};
const oidc: Action = {
  type: 'authenticate-oidc',
  authenticateOidcConfig: {
    issuer: 'https://idp.example.com', authorizationEndpoint: 'https://idp.example.com/a', tokenEndpoint: 'https://idp.example.com/t', userInfoEndpoint: 'https://idp.example.com/u',
    clientId: 'client-1', clientSecret: { secret: 'shop/oidc', digest: 'digest-planned' },
    scope: 'openid', sessionCookieName: 'AWSELBAuthSessionCookie', sessionTimeout: 604800, onUnauthenticatedRequest: 'authenticate',
  },
};
const rule = (over: Partial<ListenerRuleSpec> = {}): ListenerRuleSpec => ruleSpec({
  listener: ARN.listener, priority: 1, tags: tagsFor('443:1'),
  conditions: [
    { field: 'host-header', hostHeaderConfig: { values: [], regexValues: ['^shop\\.example\\.(com|org)$'] } },
    { field: 'path-pattern', pathPatternConfig: { values: [], regexValues: ['^/api/v[0-9]+/.*$'] } },
    { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Ver', values: [], regexValues: ['^2\\.'] } },
  ],
  actions: [jwt, forwardTo(ARN.tg)],
  transforms: [
    { type: 'url-rewrite', urlRewriteConfig: { rewrites: [{ regex: '^/api/(.+)$', replace: '/$1' }] } },
    { type: 'host-header-rewrite', hostHeaderRewriteConfig: { rewrites: [{ regex: '.*', replace: 'internal.example.com' }] } },
  ],
  ...over,
});

describe('deploy/apply: rule actions, transforms and regexValues as SDK requests', () => {
  beforeEach(() => {
    elb.reset();
    elb.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: ARN.rule(1) }] });
    elb.on(ModifyRuleCommand).resolves({});
    elb.on(AddTagsCommand).resolves({});
  });

  it('CreateRule: jwt-validation (Order 1) before the forward (Order 2), RegexValues, and both transforms', async () => {
    const res = await applyPlan(plan([create('ListenerRule', '443:1', rule())]), deps());
    assert.equal(res.errors, undefined);
    const input = elb.commandCalls(CreateRuleCommand)[0]?.args[0].input;
    assert.deepEqual(input?.Actions, [
      { Type: 'jwt-validation', Order: 1, JwtValidationConfig: { JwksEndpoint: 'https://idp.example.com/jwks', Issuer: 'https://idp.example.com', AdditionalClaims: [{ Format: 'string-array', Name: 'groups', Values: ['admins', 'ops'] }] } },
      { Type: 'forward', Order: 2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.tg }] } },
    ]);
    assert.deepEqual(input?.Conditions, [
      { Field: 'host-header', HostHeaderConfig: { RegexValues: ['^shop\\.example\\.(com|org)$'] } },
      { Field: 'path-pattern', PathPatternConfig: { RegexValues: ['^/api/v[0-9]+/.*$'] } },
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Ver', RegexValues: ['^2\\.'] } },
    ]);
    assert.deepEqual(input?.Transforms, [
      { Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/api/(.+)$', Replace: '/$1' }] } },
      { Type: 'host-header-rewrite', HostHeaderRewriteConfig: { Rewrites: [{ Regex: '.*', Replace: 'internal.example.com' }] } },
    ]);
    assert.equal(input?.Tags?.some((t) => t.Key === TAG_OIDC_SECRET_DIGEST), false, 'no digest tag without an OIDC action');
  });

  it('ModifyRule: removed transforms go as ResetTransforms, changed ones as the new list', async () => {
    const update = (before: ListenerRuleSpec, after: ListenerRuleSpec): ApplyChange =>
      ({ action: 'update', kind: 'ListenerRule', id: '443:1', arn: ARN.rule(1), before, after, fields: ['transforms'], reason: 't' });
    const { transforms: _dropped, ...without } = rule();
    await applyPlan(plan([update(rule(), without)]), deps());
    assert.deepEqual(elb.commandCalls(ModifyRuleCommand)[0]?.args[0].input, { RuleArn: ARN.rule(1), ResetTransforms: true });
    elb.resetHistory();
    const changed = rule({ transforms: [{ type: 'url-rewrite', urlRewriteConfig: { rewrites: [{ regex: '^/v1/(.*)$', replace: '/v2/$1' }] } }] });
    await applyPlan(plan([update(rule(), changed)]), deps());
    assert.deepEqual(elb.commandCalls(ModifyRuleCommand)[0]?.args[0].input, {
      RuleArn: ARN.rule(1), Transforms: [{ Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/v1/(.*)$', Replace: '/v2/$1' }] } }],
    });
  });

  it('authenticate-oidc: the secret is read at send time, sent as ClientSecret, and its digest tagged on the rule', async () => {
    const reads: string[] = [];
    const res = await applyPlan(plan([create('ListenerRule', '443:1', rule({ actions: [oidc, forwardTo(ARN.tg)], transforms: undefined }))]), deps(reads));
    assert.equal(res.errors, undefined);
    assert.deepEqual(reads, ['shop/oidc']);
    const input = elb.commandCalls(CreateRuleCommand)[0]?.args[0].input;
    assert.deepEqual(input?.Actions?.[0], {
      Type: 'authenticate-oidc', Order: 1,
      AuthenticateOidcConfig: {
        Issuer: 'https://idp.example.com', AuthorizationEndpoint: 'https://idp.example.com/a', TokenEndpoint: 'https://idp.example.com/t', UserInfoEndpoint: 'https://idp.example.com/u',
        ClientId: 'client-1', ClientSecret: SECRET, Scope: 'openid', SessionCookieName: 'AWSELBAuthSessionCookie', SessionTimeout: 604800, OnUnauthenticatedRequest: 'authenticate',
      },
    });
    assert.deepEqual(input?.Tags?.find((t) => t.Key === TAG_OIDC_SECRET_DIGEST), { Key: TAG_OIDC_SECRET_DIGEST, Value: 'digest-now' }, 'the digest of what was sent, read now');
    assert.equal('Transforms' in (input ?? {}), false);
  });

  it('authenticate-oidc on ModifyRule: ClientSecret sent, then the digest tag', async () => {
    const before = rule({ actions: [forwardTo(ARN.tg)], transforms: undefined });
    const after = rule({ actions: [oidc, forwardTo(ARN.tg)], transforms: undefined });
    await applyPlan(plan([{ action: 'update', kind: 'ListenerRule', id: '443:1', arn: ARN.rule(1), before, after, fields: ['actions'], reason: 't' }]), deps());
    assert.equal(elb.commandCalls(ModifyRuleCommand)[0]?.args[0].input.Actions?.[0]?.AuthenticateOidcConfig?.ClientSecret, SECRET);
    assert.deepEqual(elb.commandCalls(AddTagsCommand)[0]?.args[0].input, { ResourceArns: [ARN.rule(1)], Tags: [{ Key: TAG_OIDC_SECRET_DIGEST, Value: 'digest-now' }] });
  });

  it('a Secret that cannot be read stops the apply with OidcSecretUnavailable, naming the Secret and not sending the action', async () => {
    const failing = { ...deps(), oidcClients: async () => { throw new Error('does not exist'); } };
    const res = await applyPlan(plan([create('ListenerRule', '443:1', rule({ actions: [oidc, forwardTo(ARN.tg)] }))]), failing);
    assert.equal(res.errors?.[0]?.code, 'OidcSecretUnavailable');
    assert.match(res.errors?.[0]?.message ?? '', /reading Secret shop\/oidc: does not exist/);
    assert.equal(elb.commandCalls(CreateRuleCommand).length, 0);
  });
});
