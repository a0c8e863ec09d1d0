// One listener per Service port, forwarding to that port's target group (upstream's model_build_listener.go).
// Protocol, in this order: the port's protocol; TCP_UDP when a TCP and a UDP port share a number and merging is on;
// TLS when certificates are given and the port is listed in ssl-ports (or that list is empty; TCP only), with a
// TLS target group only for backend-protocol ssl; QUIC / TCP_QUIC for ports listed in quic-enabled-ports.
import type { V1ServicePort } from '@kubernetes/client-node';
import { type ArnOrRef, type Listener, type ListenerSpec, type NetworkProtocol, type Tags, ref, stackTags } from '../model/index.ts';
import { LOAD_BALANCER_ID } from '../ingress/naming.ts';
import { stringMap } from '../ingress/annotations/values.ts';
import { TEMPLATED, readTemplated, templated } from './annotations.ts';
import { type ServiceContext, note, portProtocol, report, servicePorts } from './context.ts';
import { nlbListenerId } from './naming.ts';
import { type BuiltTargetGroup, type TargetGroupInput, targetGroupOf } from './target-groups.ts';

/** a listener port: the Service port it is built from (the first of a merged TCP/UDP pair) and its starting protocol */
interface ListenerPort {
  readonly port: V1ServicePort;
  readonly protocol: NetworkProtocol;
}

/** Service ports as listener ports: a port number once, merged to TCP_UDP when asked */
function listenerPorts(ctx: ServiceContext): ListenerPort[] | undefined {
  const merge = ctx.a.enableTcpUdpListener ?? ctx.config.gates.enableTCPUDPListener;
  const byNumber = new Map<number, V1ServicePort[]>();
  for (const p of servicePorts(ctx.svc)) byNumber.set(p.port, [...(byNumber.get(p.port) ?? []), p]);
  const out: ListenerPort[] = [];
  const before = ctx.issues.length;
  for (const [num, ports] of byNumber) {
    const first = ports[0] as V1ServicePort;
    for (const p of ports) {
      if (portProtocol(p) !== 'TCP' && portProtocol(p) !== 'UDP') {
        report(ctx, 'spec.ports', 'InvalidSpec', `port ${p.port} is ${portProtocol(p)}; a network load balancer listens on TCP and UDP only`);
      }
    }
    if (ports.length === 1) { out.push({ port: first, protocol: portProtocol(first) as NetworkProtocol }); continue; }
    const protocols = ports.map(portProtocol).sort().join('+');
    if (!merge) {
      report(ctx, 'spec.ports', 'ConflictingValue', `port ${num} is listed ${ports.length} times (${protocols}); one listener per port: `
        + 'set aws-load-balancer-enable-tcp-udp-listener: "true" to serve a TCP and a UDP port as one TCP_UDP listener');
    } else if (protocols !== 'TCP+UDP') {
      report(ctx, 'spec.ports', 'ConflictingValue', `port ${num} is listed as ${protocols}; only one TCP and one UDP port can share a number (as TCP_UDP)`);
    } else out.push({ port: first, protocol: 'TCP_UDP' });
  }
  return ctx.issues.length > before ? undefined : out.sort((x, y) => x.port.port - y.port.port);
}

/** ssl-ports and quic-enabled-ports name ports by name or number; ssl-ports naming no port is an error (as upstream) */
const listed = (list: readonly string[] | undefined, p: V1ServicePort): boolean =>
  !!list && (list.includes(String(p.port)) || (p.name !== undefined && list.includes(p.name)));

function finalProtocols(ctx: ServiceContext, lp: ListenerPort): { listener: NetworkProtocol; targetGroup: NetworkProtocol } | undefined {
  const { a } = ctx;
  let listener = lp.protocol;
  let targetGroup = lp.protocol;
  const certs = a.sslCertificates ?? [];
  if (listener !== 'UDP' && listener !== 'TCP_UDP' && certs.length > 0 && (!a.sslPorts?.length || listed(a.sslPorts, lp.port))) {
    listener = 'TLS';
    if (a.backendProtocol === 'ssl') targetGroup = 'TLS';
  }
  if (listed(a.quicEnabledPorts, lp.port)) {
    if (listener === 'UDP') { listener = 'QUIC'; targetGroup = 'QUIC'; }
    else if (listener === 'TCP_UDP') { listener = 'TCP_QUIC'; targetGroup = 'TCP_QUIC'; }
    else {
      report(ctx, 'aws-load-balancer-quic-enabled-ports', 'InvalidAnnotation', `port ${lp.port.port} is ${listener}; only UDP and TCP_UDP listeners can be upgraded to QUIC`);
      return undefined;
    }
  }
  return { listener, targetGroup };
}

export interface BuiltListeners {
  readonly listeners: Listener[];
  readonly targetGroups: BuiltTargetGroup[];
}

export function listenersOf(ctx: ServiceContext, tg: Omit<TargetGroupInput, 'port' | 'protocol'>): BuiltListeners | undefined {
  const { a, config } = ctx;
  const unused = (a.sslPorts ?? []).filter((x) => !servicePorts(ctx.svc).some((p) => String(p.port) === x || p.name === x));
  if (unused.length > 0) report(ctx, 'aws-load-balancer-ssl-ports', 'InvalidAnnotation', `names no port of this Service: ${unused.join(', ')}`);
  const ports = listenerPorts(ctx);
  if (!ports || unused.length > 0) return undefined;
  const listeners: Listener[] = [];
  const targetGroups: BuiltTargetGroup[] = [];
  const attributeKeys = templated(ctx.obj, TEMPLATED.listenerAttributes);
  const usedAttributeKeys = new Set<string>();
  for (const lp of ports) {
    const protocols = finalProtocols(ctx, lp);
    const built = protocols ? targetGroupOf(ctx, { ...tg, port: lp.port, protocol: protocols.targetGroup }) : undefined;
    if (!protocols || !built) continue;
    targetGroups.push(built);
    const tls = protocols.listener === 'TLS';
    const attrTail = `${protocols.listener}-${lp.port.port}`;
    let attributes: Record<string, string> | undefined;
    if (attributeKeys.has(attrTail)) {
      usedAttributeKeys.add(attrTail);
      if (tls) {
        report(ctx, TEMPLATED.listenerAttributes + attrTail, 'Unsupported', 'listener attributes are not applied to TLS listeners (upstream skips them too); remove it');
        continue;
      }
      const r = readTemplated(ctx.obj, TEMPLATED.listenerAttributes, attrTail, stringMap());
      if (r.issue) { ctx.issues.push(r.issue); continue; }
      attributes = Object.fromEntries(Object.entries(r.value ?? {}).sort(([x], [y]) => (x < y ? -1 : 1)));
    }
    const id = nlbListenerId(lp.port.port);
    listeners.push(forwardingListener(id, {
      loadBalancer: ref('LoadBalancer', LOAD_BALANCER_ID), port: lp.port.port, protocol: protocols.listener, targetGroupId: built.targetGroup.id,
      tags: { ...ctx.userTags, ...stackTags(config.clusterName, ctx.stackId, id, 'service') },
    }, {
      ...(tls ? { sslPolicy: a.sslNegotiationPolicy ?? config.defaultSslPolicy } : {}),
      certificates: tls ? [...new Set(a.sslCertificates ?? [])] : [],
      ...(tls && a.alpnPolicy !== undefined ? { alpnPolicy: [a.alpnPolicy] } : {}),
      ...(attributes && Object.keys(attributes).length > 0 ? { attributes } : {}),
    }));
  }
  for (const tail of attributeKeys.keys()) {
    if (!usedAttributeKeys.has(tail)) note(ctx, `${TEMPLATED.listenerAttributes}${tail}`, 'ignored: this NLB has no such listener (<PROTOCOL>-<port>, with the listener\'s final protocol)');
  }
  return { listeners, targetGroups };
}

export interface ForwardingListenerBase {
  readonly loadBalancer: ArnOrRef;
  readonly port: number;
  readonly protocol: NetworkProtocol;
  /** the logical ID of the stack's target group every connection goes to */
  readonly targetGroupId: string;
  readonly tags: Tags;
}

/** an NLB listener forwarding every connection to one target group (a Service port's; a frontend NLB port's) */
export function forwardingListener(id: string, base: ForwardingListenerBase, extra: Partial<Pick<ListenerSpec, 'sslPolicy' | 'certificates' | 'alpnPolicy' | 'attributes'>> = {}): Listener {
  return {
    kind: 'Listener', id,
    spec: {
      loadBalancer: base.loadBalancer, port: base.port, protocol: base.protocol,
      ...(extra.sslPolicy !== undefined ? { sslPolicy: extra.sslPolicy } : {}),
      certificates: extra.certificates ?? [],
      defaultActions: [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: ref('TargetGroup', base.targetGroupId) }] } }],
      tags: base.tags,
      ...(extra.alpnPolicy !== undefined ? { alpnPolicy: extra.alpnPolicy } : {}),
      ...(extra.attributes !== undefined ? { attributes: extra.attributes } : {}),
    },
  };
}
