import { describeError, PipelineError, previewRecord } from "../errors.js";
import type { DeadLetter } from "../operators/dead-letter.js";
import {
  backoffDelay,
  type FailbackDecision,
  type FaultPolicy,
  type RetryPolicy,
} from "../operators/fault-policy.js";
import { sleep } from "../util/sleep.js";
import type { NodeStats } from "./stats.js";

/** Returned by a fault handler when the record is dropped (skipped or dead-lettered). @internal */
export const SKIP: unique symbol = Symbol("mass.skip");

/** What a fault handler needs from its node. @internal */
export interface FaultScope {
  readonly name: string;
  readonly stats: NodeStats;
  readonly signal: AbortSignal;
  /** Dead letters of the batch being processed; the node hands them to `env.deadLetters`. */
  readonly pendingDeadLetters: DeadLetter[];
}

/** A fault handler: answers the retried result, {@link SKIP}, or throws a PipelineError. @internal */
export type FaultHandler = (err: unknown, input: unknown) => unknown;

/** Wraps any thrown value in an Error. @internal */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Builds the PipelineError for a record (or batch) an operator failed on.
 * @internal
 */
export function pipelineError(
  node: string,
  operator: string,
  err: unknown,
  where: { record?: unknown; batchIndex?: number },
  attempts = 1,
): PipelineError {
  if (err instanceof PipelineError) return err;
  const at =
    "record" in where ? `on record ${previewRecord(where.record)}` : `on batch ${where.batchIndex ?? "?"}`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  return new PipelineError(
    `node "${node}", operator "${operator}" failed ${at}${tries}: ${describeError(err)}. ` +
      "To keep going past bad records, set onError ('skip', 'dead-letter' or retry(...)) on the operator or the Env.",
    { node, operator, cause: err, attempts, ...where },
  );
}

/**
 * Builds the fault handler of one operator. `call(input)` re-runs the operation for retries.
 * Batch-level handlers (sinks: `batchIndex` given) dead-letter each record of the failed batch.
 * @internal
 */
export function faultHandler(
  scope: FaultScope,
  operator: string,
  policy: FaultPolicy,
  call: (input: unknown) => unknown,
  failback?: (err: Error, input: unknown) => FailbackDecision,
  batchIndex?: () => number,
): FaultHandler {
  const batchLevel = batchIndex !== undefined;
  const where = (input: unknown) =>
    batchIndex !== undefined ? { batchIndex: batchIndex() } : { record: input };
  const drop = (
    decision: "fail" | "skip" | "dead-letter",
    err: unknown,
    input: unknown,
    attempts: number,
  ) => {
    if (decision === "fail") throw pipelineError(scope.name, operator, err, where(input), attempts);
    const items = batchLevel ? (input as unknown[]) : [input];
    if (decision === "skip") {
      scope.stats.skipped += items.length;
      return SKIP;
    }
    const at = Date.now();
    const error = asError(err);
    for (const record of items) {
      scope.pendingDeadLetters.push({ record, error, node: scope.name, operator, attempts, at });
    }
    scope.stats.deadLettered += items.length;
    return SKIP;
  };
  const retryLoop = async (p: RetryPolicy, err: unknown, input: unknown) => {
    let attempt = 1;
    while (attempt < p.attempts && p.retryOn(err)) {
      attempt++;
      await sleep(backoffDelay(p.backoff, attempt), scope.signal);
      scope.stats.retries++;
      try {
        let r = call(input);
        if (r instanceof Promise) r = await r;
        return r;
      } catch (e) {
        err = e;
      }
    }
    return drop(p.onExhausted, err, input, attempt);
  };
  return (err, input) => {
    if (scope.signal.aborted) throw err;
    let decision: FailbackDecision;
    if (failback !== undefined) {
      try {
        decision = failback(asError(err), input);
      } catch (e) {
        throw pipelineError(scope.name, `${operator}.failback`, e, where(input));
      }
    }
    const p = decision ?? policy;
    if (typeof p === "string") return drop(p, err, input, 1);
    return retryLoop(p, err, input);
  };
}
