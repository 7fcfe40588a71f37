import { pino } from "pino";

/**
 * The logger interface Mass writes to: pino's four levels, each taking a context object and a
 * message. Inject your own (`new Env({ logger })`); the default is pino on stderr at level
 * `MASS_LOG_LEVEL` (default `info`, `silent` under `NODE_ENV=test`).
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

let defaultLogger: Logger | undefined;

/**
 * The process-wide default logger (created on first use).
 * @internal
 */
export function getDefaultLogger(): Logger {
  if (defaultLogger === undefined) {
    const level = process.env.MASS_LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info");
    defaultLogger = pino({ name: "mass", level }, pino.destination(2));
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
