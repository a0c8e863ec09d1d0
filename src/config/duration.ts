// Go's time.ParseDuration syntax ("10h", "1h30m", "1.5s", "300ms"), so upstream flag values carry over.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

// µ (U+00B5) and μ (U+03BC) escaped: esbuild copies a regex literal as written, and one non-ASCII character makes V8
// hold the controller bundle's whole source as a two-byte string (5.3 MiB of heap instead of 2.7)
const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;

/** milliseconds, or an error message; "0" needs no unit, as in Go */
export function parseGoDuration(text: string): { ms: number } | { error: string } {
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ms: 0 };
  if (rest === '') return { error: `invalid duration "${text}"` };
  let total = 0;
  while (rest !== '') {
    const m = PART.exec(rest);
    if (!m) {
      return /^(\d+(?:\.\d*)?|\.\d+)$/.test(rest)
        ? { error: `missing unit in duration "${text}" (use ns, us, ms, s, m or h)` }
        : { error: `invalid duration "${text}"` };
    }
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return { ms: sign * total };
}

/** a compact Go-style rendering, e.g. 36000000 → "10h" and 5400000 → "1h30m" */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000); rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000); rest -= m * 60_000;
  const s = rest / 1000;
  if (h === 0 && m === 0 && s < 1) return `${sign}${rest}ms`;
  return sign + (h ? `${h}h` : '') + (m ? `${m}m` : '') + (s ? `${s}s` : '');
}
