// ACM certificate discovery for HTTPS listeners that name no certificate: one certificate per host.
import type { DiscoveredCertificate } from '../model/index.ts';

export type CertChoice =
  | { readonly kind: 'found'; readonly arn: string; readonly why: string }
  | { readonly kind: 'none'; readonly why: string };

const labels = (h: string): string[] => h.split('.');

/** `*.a.b` covers `x.a.b` (exactly one label in place of the star), never `a.b` or `y.x.a.b`. */
export function wildcardCovers(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return false;
  const p = labels(pattern);
  const h = labels(host);
  return p.length === h.length && h[0] !== '' && p.slice(1).join('.') === h.slice(1).join('.');
}

const namesOf = (c: DiscoveredCertificate): string[] => [...new Set([c.domainName, ...c.subjectAlternativeNames].map((n) => n.toLowerCase()))];

/** newest notAfter first; a certificate without notAfter sorts last; ties by ARN for a stable answer */
function expiry(c: DiscoveredCertificate): number {
  const t = c.notAfter ? Date.parse(c.notAfter) : Number.NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

function newestFirst(a: DiscoveredCertificate, b: DiscoveredCertificate): number {
  const d = expiry(b) - expiry(a);
  if (d !== 0 && !Number.isNaN(d)) return d > 0 ? 1 : -1;
  return a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0;
}

/** Picks the certificate for one host: an exact name beats a wildcard; among equals the newest notAfter wins. */
export function chooseCertificate(host: string, certs: readonly DiscoveredCertificate[]): CertChoice {
  const h = host.toLowerCase();
  const issued = certs.filter((c) => c.status === 'ISSUED');
  const exact = issued.filter((c) => namesOf(c).includes(h));
  const wild = issued.filter((c) => !exact.includes(c) && namesOf(c).some((n) => wildcardCovers(n, h)));
  const pick = (pool: DiscoveredCertificate[], how: string): CertChoice => {
    const sorted = [...pool].sort(newestFirst);
    const best = sorted[0] as DiscoveredCertificate;
    const matched = how === 'exact' ? h : namesOf(best).find((n) => wildcardCovers(n, h)) ?? '';
    const expiry = best.notAfter ? `, expires ${best.notAfter}` : '';
    const among = sorted.length > 1 ? `; newest of ${sorted.length} ${how} matches` : '';
    const beat = how === 'wildcard' ? '' : wild.length > 0 ? `; preferred over ${wild.length} wildcard match(es)` : '';
    return { kind: 'found', arn: best.arn, why: `${how} match on ${matched}${expiry}${among}${beat}` };
  };
  if (exact.length > 0) return pick(exact, 'exact');
  if (wild.length > 0) return pick(wild, 'wildcard');
  const notIssued = certs.filter((c) => c.status !== 'ISSUED' && (namesOf(c).includes(h) || namesOf(c).some((n) => wildcardCovers(n, h))));
  const hint = notIssued.length > 0 ? ` (${notIssued.length} matching certificate(s) are not ISSUED: ${notIssued.map((c) => `${c.arn} ${c.status}`).join(', ')})` : '';
  return { kind: 'none', why: `no ISSUED ACM certificate covers ${host}${hint}` };
}
