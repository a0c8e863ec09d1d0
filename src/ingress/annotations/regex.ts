// ALB's regular expressions: regexValues of rule conditions, regex paths (use-regex-path-match) and the
// rewrites of transforms. ALB documents the features it does not support ("Listener rules for your Application
// Load Balancer", Rule basics): lookaheads, lookbehinds, backreferences, atomic groups, possessive quantifiers,
// subroutines, recursion and Unicode character classes. Each is found by a scan of the pattern (escapes and
// character classes respected), so the Issue names the feature instead of AWS refusing the rule later.
import { show } from './values.ts';

/** condition regexValues and regex paths (API reference: "The maximum length of each string is 128 characters") */
export const MAX_CONDITION_REGEX = 128;
/** RewriteConfig Regex and Replace (API reference: "The maximum length of the string is 1,024 characters") */
export const MAX_REWRITE = 1024;

const unsupported = (what: string): string => `uses ${what}, which ALB regular expressions do not support (AWS limit)`;

/** a `{n}`, `{n,}` or `{n,m}` quantifier starting at `i`: its length, else 0 */
function braceQuantifier(s: string, i: number): number {
  const m = /^\{\d+(,\d*)?\}/.exec(s.slice(i));
  return m ? m[0].length : 0;
}

/** the first unsupported feature in `s`, or undefined */
function unsupportedFeature(s: string): string | undefined {
  let inClass = false;
  /** the previous token was a quantifier (so a "+" now would make it possessive) */
  let quantified = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined) return 'ends with an unfinished escape "\\"';
      if (n === 'p' || n === 'P') return unsupported('a Unicode character class (\\p{...})');
      if (!inClass && /[1-9]/.test(n)) return unsupported(`a backreference (\\${n})`);
      if (!inClass && n === 'k') return unsupported('a named backreference (\\k<...>)');
      if (!inClass && n === 'g') return unsupported('a backreference or subroutine (\\g...)');
      i++;
      quantified = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (s[i + 1] === '^') i++;
      if (s[i + 1] === ']') i++;
      quantified = false;
      continue;
    }
    if (c === '(' && s[i + 1] === '?') {
      const rest = s.slice(i + 2);
      if (rest.startsWith('=') || rest.startsWith('!')) return unsupported('a lookahead ((?=...) or (?!...))');
      if (rest.startsWith('<=') || rest.startsWith('<!')) return unsupported('a lookbehind ((?<=...) or (?<!...))');
      if (rest.startsWith('>')) return unsupported('an atomic group ((?>...))');
      if (/^(R|[+-]?\d|&|P>|P=)/.test(rest)) return unsupported('recursion or a subroutine call ((?R), (?1), (?&name))');
      quantified = false;
      i++;
      continue;
    }
    const brace = c === '{' ? braceQuantifier(s, i) : 0;
    if (c === '*' || c === '+' || c === '?' || brace > 0) {
      if (quantified && c === '+') return unsupported('a possessive quantifier (*+, ++, ?+, {n}+)');
      // a "?" right after a quantifier makes it lazy, which is supported and ends the quantifier
      quantified = !(quantified && c === '?');
      if (brace > 0) i += brace - 1;
      continue;
    }
    quantified = false;
  }
  return inClass ? 'has a "[" character class that is never closed' : undefined;
}

/** Why ALB would refuse `s` as a regular expression of at most `max` characters, or undefined. */
export function regexProblem(s: string, max: number): string | undefined {
  if (s.length === 0) return 'must not be empty';
  if (s.length > max) return `is ${s.length} characters long; at most ${max} are allowed (AWS limit)`;
  const feature = unsupportedFeature(s);
  return feature === undefined ? undefined : `${show(s)} ${feature}`;
}
