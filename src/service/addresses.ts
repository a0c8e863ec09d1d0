// IPv4 and IPv6 addresses against CIDRs, for static NLB addresses (each must fall in exactly one of the subnets)
// and source-NAT prefixes. Pure; addresses are compared as 32- or 128-bit integers.
import { isIPv6 } from '../ingress/annotations/values.ts';

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function v4ToBig(ip: string): bigint | undefined {
  const m = V4.exec(ip);
  if (!m) return undefined;
  let n = 0n;
  for (const part of m.slice(1)) {
    const v = Number(part);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function v6ToBig(ip: string): bigint | undefined {
  if (!isIPv6(ip)) return undefined;
  let text = ip;
  if (text.includes('.')) {
    // an embedded IPv4 tail is two groups
    const cut = text.lastIndexOf(':');
    const v4 = v4ToBig(text.slice(cut + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, cut + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** whether `ip` lies in `cidr` (both IPv4, or both IPv6); false for anything malformed or mixed */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = ''] = cidr.split('/');
  const v6 = base.includes(':');
  const width = v6 ? 128n : 32n;
  const toBig = v6 ? v6ToBig : v4ToBig;
  const a = toBig(ip);
  const b = toBig(base);
  const bits = /^\d{1,3}$/.test(bitsText) ? BigInt(bitsText) : -1n;
  if (a === undefined || b === undefined || bits < 0n || bits > width) return false;
  const shift = width - bits;
  return a >> shift === b >> shift;
}
