import { ConfigError } from "../errors.js";
import { checkFunction, checkInt, checkKeys, checkNumber, checkOneOf } from "../util/validate.js";

/**
 * Backoff between retry attempts, as data (after kafkajs' retry options).
 * Delay before attempt `n` (n >= 2) is `min(maxDelayMs, delayMs * factor^(n-2))`, then
 * multiplied by a random factor in `[1 - jitter, 1 + jitter]`.
 */
export interface Backoff {
  /** `'fixed'` keeps `delayMs`; `'exponential'` multiplies by `factor` each attempt. Default `'exponential'`. */
  type?: "fixed" | "exponential";
  /** First delay in ms. Default 100. */
  delayMs?: number;
  /** Growth factor for `'exponential'`. Default 2. */
  factor?: number;
  /** Upper bound of one delay, in ms. Default 30_000. */
  maxDelayMs?: number;
  /** Random spread, 0..1. Default 0 (deterministic). */
  jitter?: number;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Total attempts including the first, >= 1. Default 3. */
  attempts?: number;
  /** Delay between attempts. Default exponential from 100 ms, capped at 30 s, no jitter. */
  backoff?: Backoff;
  /**
   * Which errors to retry. Default: every error except programming errors (TypeError,
   * RangeError, ReferenceError, SyntaxError) and errors whose `retriable` is `false`.
   */
  retryOn?: (err: unknown) => boolean;
  /** What happens to the record once the attempts are spent. Default `'fail'`. */
  onExhausted?: "fail" | "skip" | "dead-letter";
}

/** A resolved retry policy (what {@link retry} returns). */
export interface RetryPolicy {
  readonly kind: "retry";
  readonly attempts: number;
  readonly backoff: Required<Backoff>;
  readonly retryOn: (err: unknown) => boolean;
  readonly onExhausted: "fail" | "skip" | "dead-letter";
}

/**
 * Record-level fault policy of an operator or an Env (see docs/operators.md):
 * - `'fail'` (default): the node fails, ending the pipelines through it;
 * - `'skip'`: the record is dropped and counted (`skipped` in the run report);
 * - `'dead-letter'`: the record goes to `env.deadLetters` with the error, node and attempts;
 * - `retry({...})`: the call is retried with backoff, then `onExhausted` applies.
 */
export type FaultPolicy = "fail" | "skip" | "dead-letter" | RetryPolicy;

/**
 * What an operator's `failback(err, elemOrBatch)` hook may answer: a policy for this failure,
 * or `undefined` to use the configured one.
 */
export type FailbackDecision = FaultPolicy | undefined;

const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * The default `retryOn`: retries everything but programming errors and errors that say
 * `retriable: false` (as kafkajs does).
 */
export function isRetriable(err: unknown): boolean {
  if (PROGRAMMING_ERRORS.some((E) => err instanceof E)) return false;
  if (typeof err === "object" && err !== null && (err as { retriable?: unknown }).retriable === false)
    return false;
  return true;
}

/**
 * Builds a retry policy.
 *
 * @example `map(fetchPrice, { onError: retry({ attempts: 5, backoff: { delayMs: 50 }, onExhausted: 'dead-letter' }) })`
 * @throws ConfigError when an option is out of range (`retry.attempts must be an integer >= 1, got 0`)
 *   or unknown (`retry({ backof })`: did you mean "backoff"?).
 */
export function retry(options: RetryOptions = {}): RetryPolicy {
  checkKeys("retry(options)", options, ["attempts", "backoff", "retryOn", "onExhausted"]);
  const attempts = checkInt("retry.attempts", options.attempts ?? 3, 1);
  const b = options.backoff ?? {};
  checkKeys("retry options.backoff", b, ["type", "delayMs", "factor", "maxDelayMs", "jitter"]);
  const backoff: Required<Backoff> = {
    type: checkOneOf("retry.backoff.type", b.type ?? "exponential", ["fixed", "exponential"] as const),
    delayMs: checkNumber("retry.backoff.delayMs", b.delayMs ?? 100, 0),
    factor: checkNumber("retry.backoff.factor", b.factor ?? 2, 1),
    maxDelayMs: checkNumber("retry.backoff.maxDelayMs", b.maxDelayMs ?? 30_000, 0),
    jitter: checkNumber("retry.backoff.jitter", b.jitter ?? 0, 0),
  };
  if (backoff.jitter > 1)
    throw new ConfigError(`retry.backoff.jitter must be in [0, 1], got ${backoff.jitter}`);
  if (options.retryOn !== undefined) checkFunction("retry.retryOn", options.retryOn);
  return {
    kind: "retry",
    attempts,
    backoff,
    retryOn: options.retryOn ?? isRetriable,
    onExhausted: checkOneOf("retry.onExhausted", options.onExhausted ?? "fail", [
      "fail",
      "skip",
      "dead-letter",
    ] as const),
  };
}

/**
 * Delay in ms before attempt `attempt` (2 = first retry) under `backoff`.
 * @param random - injectable random source in [0, 1), for tests.
 */
export function backoffDelay(
  backoff: Required<Backoff>,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base =
    backoff.type === "fixed" ? backoff.delayMs : backoff.delayMs * backoff.factor ** Math.max(0, attempt - 2);
  const capped = Math.min(backoff.maxDelayMs, base);
  if (backoff.jitter === 0) return capped;
  return Math.max(0, capped * (1 - backoff.jitter + 2 * backoff.jitter * random()));
}

/**
 * Validates a fault policy given as an option.
 * @throws ConfigError naming `path` when it is not one of the policies.
 * @internal
 */
export function checkFaultPolicy(path: string, value: unknown): FaultPolicy {
  if (value === "fail" || value === "skip" || value === "dead-letter") return value;
  if (typeof value === "object" && value !== null && (value as RetryPolicy).kind === "retry")
    return value as RetryPolicy;
  throw new ConfigError(
    `${path} must be 'fail', 'skip', 'dead-letter' or retry({...}), got ${JSON.stringify(value) ?? String(value)}`,
    { option: path },
  );
}
