// A tiny structured logger: one JSON object per line ({"ts","level","msg",...fields}). No globals: the
// composition root makes one and passes it (or a child with extra fields) to whoever logs.
import type { LogLevel } from '../config/config.ts';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** a logger that adds `fields` to every line */
  child(fields: Fields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** where lines go (default: process.stderr) */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

/** errors become {name, message, code}; everything else is kept as JSON can carry it */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return value;
}

export function createLogger(opts: LoggerOptions = {}, base: Fields = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => { process.stderr.write(line); });
  const now = opts.now ?? Date.now;
  const log = (level: LogLevel, msg: string, fields?: Fields): void => {
    if (RANK[level] < min) return;
    const entry: Fields = { ts: new Date(now()).toISOString(), level, msg, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined) entry[k] = plain(v);
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ ts: entry.ts, level, msg, note: 'fields not serialisable' });
    }
    write(`${line}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** discards everything (tests) */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
