// Upstream's map-valued flags (pflag's StringToString, e.g. --aws-vpc-tags) read exactly as upstream reads them, so
// a value that works there means the same here:
// - no "=" at all: an error;
// - exactly one "=": the whole value is one pair, with surrounding double quotes dropped; commas are NOT separators
//   ("Name=a,b" is the key Name with the value "a,b");
// - two or more: one CSV record (Go's encoding/csv: fields split on ",", a field may be double-quoted to hold commas,
//   "" inside quotes is one quote), each field split at its first "=" (so a value may contain "=");
// - a later duplicate key wins, within one value and across repeated flags (the caller merges).
// Two deliberate differences, both refusals of values upstream would misread silently: a line break (Go's reader
// stops at the first line and drops the rest), and an empty key (upstream would ask AWS for the filter "tag:").

export type StringMapResult = { readonly map: Readonly<Record<string, string>> } | { readonly error: string };

/** Go encoding/csv, one record, default options: the fields, or Go's error text */
function csvRecord(line: string): { fields: string[] } | { error: string } {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return { error: 'extraneous or missing " in quoted-field' };
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') { field += '"'; i++; continue; }
        if (i === line.length || line[i] === ',') break;
        return { error: 'extraneous or missing " in quoted-field' };
      }
      fields.push(field);
    } else {
      const end = line.indexOf(',', i);
      const field = line.slice(i, end < 0 ? undefined : end);
      if (field.includes('"')) return { error: 'bare " in non-quoted-field' };
      fields.push(field);
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return { fields };
    i++; // the comma
    if (i === line.length) { fields.push(''); return { fields }; }
  }
}

/** one flag value as pflag's StringToString reads it (see above) */
export function parseStringMap(value: string): StringMapResult {
  if (/[\r\n]/.test(value)) return { error: 'must be one line' };
  const equals = value.split('=').length - 1;
  if (equals === 0) return { error: `"${value}" must be formatted as key=value` };
  let pairs: string[];
  if (equals === 1) pairs = [value.replace(/^"+|"+$/g, '')];
  else {
    const record = csvRecord(value);
    if ('error' in record) return { error: `"${value}" is not a valid comma-separated list: ${record.error}` };
    pairs = record.fields;
  }
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) return { error: `"${pair}" must be formatted as key=value` };
    if (eq === 0) return { error: `"${pair}" has an empty key` };
    // an own property even for keys such as "__proto__"
    Object.defineProperty(map, pair.slice(0, eq), { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return { map };
}

/** the pairs in flag syntax, keys sorted (as Go prints a map), for messages */
export const formatStringMap = (map: Readonly<Record<string, string>>): string =>
  Object.keys(map).sort().map((k) => `${k}=${map[k] ?? ''}`).join(',');
