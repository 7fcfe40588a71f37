import fc from "fast-check";
import { ConfigError } from "../errors.js";

/** What {@link replaySettings} reads: fast-check's global parameters for a replay. */
export interface ReplaySettings {
  seed?: number;
  path?: string;
  numRuns?: number;
}

/**
 * Reads the replay of a failing fast-check property from environment variables: `FC_SEED` (the
 * seed fast-check printed), `FC_PATH` (the counterexample path it printed, e.g. `"14:2:0"`),
 * `FC_NUM_RUNS` (runs per property). Unset variables are left out.
 * @param env - the variables (default `process.env`).
 * @throws ConfigError if `FC_SEED` or `FC_NUM_RUNS` is not an integer, or `FC_PATH` is not
 *   colon-separated integers.
 */
export function replaySettings(env: Record<string, string | undefined> = process.env): ReplaySettings {
  const out: ReplaySettings = {};
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(v)}`);
    return n;
  };
  if (env.FC_SEED) out.seed = int("FC_SEED", env.FC_SEED);
  if (env.FC_PATH) {
    if (!/^\d+(:\d+)*$/.test(env.FC_PATH))
      throw new ConfigError(
        `FC_PATH must be fast-check's counterexample path (e.g. "14:2:0"), got ${JSON.stringify(env.FC_PATH)}`,
      );
    out.path = env.FC_PATH;
  }
  if (env.FC_NUM_RUNS) out.numRuns = int("FC_NUM_RUNS", env.FC_NUM_RUNS);
  return out;
}

/**
 * Applies {@link replaySettings} to fast-check's global configuration (`fc.configureGlobal`), so
 * every property of the run replays the given seed and path: call it from a test-runner setup
 * file (Mass's own: `test/setup/fast-check.ts`), then
 * `FC_SEED=-1658324280 FC_PATH="0:0:1" npx vitest run my.test.ts -t "my property"`.
 * Properties that set their own `seed` or `path` keep them.
 * @returns the settings applied (empty when no variable is set: nothing changes).
 */
export function replayFromEnv(env: Record<string, string | undefined> = process.env): ReplaySettings {
  const s = replaySettings(env);
  if (Object.keys(s).length > 0) fc.configureGlobal({ ...fc.readConfigureGlobal(), ...s });
  return s;
}
