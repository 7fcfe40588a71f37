import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Env } from "../env/index.js";
import type { EnvOptions } from "../env/options.js";
import { ConfigError, describeError } from "../errors.js";

/** What a job function receives beside its Env. */
export interface JobContext {
  /** Arguments after `--` on the command line (`mass run job.ts -- in.csv out.jsonl`). */
  readonly args: readonly string[];
  /** Under `mass bench`: the records the job should process (`--records`); `undefined` otherwise. */
  readonly records: number | undefined;
}

/** A job function: builds the graph on `env` (it must not call `env.run()`: the command does). */
export type JobFunction = (env: Env, context: JobContext) => void | Promise<void>;

/**
 * What a **job file** exports (see docs/cli.md):
 *
 * - `default`: a {@link JobFunction} `(env, { args, records }) => { env.from(...)...to(...) }`
 *   (preferred: the command makes the Env, so `mass run`, `mass topology` and `mass bench` all
 *   work), or an already built `Env`;
 * - optionally `options`: the {@link EnvOptions} of the Env the command makes (name, batchSize...);
 * - optionally `checksum(report)`: a string `mass bench` compares across runs (default: records
 *   in and out).
 */
export interface JobModule {
  default: JobFunction | Env;
  options?: EnvOptions;
  checksum?: (report: import("../env/report.js").RunReport) => string;
}

/** A loaded job: its Env, built and ready to run, and the module. */
export interface LoadedJob {
  readonly env: Env;
  readonly module: JobModule;
  readonly path: string;
}

const TS = /\.(m|c)?tsx?$/;

/**
 * Imports a job file (`.js`, `.mjs`, or `.ts` through tsx, registered on demand) and builds its
 * Env with `context`.
 * @throws ConfigError when the file is missing, fails to import, or exports no job.
 */
export async function loadJob(file: string, context: JobContext): Promise<LoadedJob> {
  const path = resolve(file);
  const mod = (await importJob(path)) as Partial<JobModule>;
  const def = mod.default;
  let env: Env;
  if (def instanceof Env) env = def;
  else if (typeof def === "function") {
    env = new Env({ name: mod.options?.name ?? jobName(path), ...mod.options });
    try {
      await def(env, context);
    } catch (err) {
      throw new ConfigError(`job file ${file}: building the job failed: ${describeError(err)}`, {
        cause: err,
      });
    }
  } else {
    throw new ConfigError(
      `job file ${file}: no job: export default a function (env, { args, records }) => { env.from(...)... } or an Env`,
    );
  }
  return { env, module: mod as JobModule, path };
}

/** The job's default name: the file name without extensions (`jobs/daily.job.ts` -> `daily`). */
export function jobName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? "job";
  return base.replace(/(\.job)?\.[cm]?[jt]sx?$/, "") || "job";
}

async function importJob(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  try {
    return await import(url);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && (err as Error).message.includes(path))
      throw new ConfigError(`job file ${path} not found`);
    if (code !== "ERR_UNKNOWN_FILE_EXTENSION" || !TS.test(path))
      throw new ConfigError(`job file ${path}: import failed: ${describeError(err)}`, { cause: err });
  }
  // a TypeScript job without a loader in this process: register tsx (an optional peer dependency)
  let tsx: { register: () => unknown };
  try {
    tsx = (await import("tsx/esm/api")) as { register: () => unknown };
  } catch {
    throw new ConfigError(
      `job file ${path} is TypeScript: install tsx (npm i -D tsx) or compile the job to JavaScript`,
    );
  }
  tsx.register();
  try {
    // a new URL: the loader caches the failed import of the plain one
    return await import(`${url}?tsx`);
  } catch (err) {
    throw new ConfigError(`job file ${path}: import failed: ${describeError(err)}`, { cause: err });
  }
}
