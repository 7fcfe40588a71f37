import { pino } from "pino";

/**
 * The logger interface Mass writes to: pino's four levels, each taking a context object and a
 * message. Inject your own (`new Env({ logger })`, `new Scheduler({ logger })`: a pino logger
 * fits, or any object with these methods); the default is pino on stderr at level
 * `MASS_LOG_LEVEL` (default `warn`; `silent` under `NODE_ENV=test`), one compact line per event.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

let defaultLogger: Logger | undefined;

/** pino's numeric levels, by name. */
const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
/** Fields of a pino line that are not context. */
const META = new Set(["level", "time", "pid", "hostname", "name", "msg"]);

/**
 * A pino destination that writes each event as one short line on stderr:
 * `2026-01-01T10:00:00.000Z WARN mass: message node="sink:x" err="TypeError: bad"`. An error
 * shows as its class and message (no stack: failures that reach the caller through
 * `env.run()`'s rejection carry theirs).
 * @internal
 */
export function compactLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const time = typeof o.time === "number" ? new Date(o.time).toISOString() : "";
  const level = LEVELS[o.level as number] ?? String(o.level);
  let line = `${time} ${level} ${String(o.name ?? "mass")}: ${String(o.msg ?? "")}`;
  for (const [k, v] of Object.entries(o)) {
    if (META.has(k) || v === undefined) continue;
    line += ` ${k}=${formatValue(v)}`;
  }
  return `${line.replace(/\n/g, "\\n")}\n`;
}

function formatValue(v: unknown): string {
  if (typeof v === "object" && v !== null && "message" in v && ("stack" in v || "type" in v)) {
    const e = v as { type?: unknown; message?: unknown };
    return JSON.stringify(`${e.type === undefined ? "Error" : String(e.type)}: ${String(e.message)}`);
  }
  return JSON.stringify(v) ?? String(v);
}

/**
 * The process-wide default logger (created on first use): pino at level `MASS_LOG_LEVEL`
 * (`debug`, `info`, `warn` — the default —, `error`, `silent`), `silent` under `NODE_ENV=test`,
 * one compact line per event on stderr.
 * @internal
 */
export function getDefaultLogger(): Logger {
  if (defaultLogger === undefined) {
    const level = process.env.MASS_LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "warn");
    defaultLogger = pino(
      { name: "mass", level, base: { name: "mass" } },
      { write: (json: string) => process.stderr.write(compactLine(json)) },
    );
  }
  return defaultLogger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
