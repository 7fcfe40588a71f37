import { describeError, PipelineError, previewRecord } from "../errors.js";
import type { DeadLetter } from "../operators/dead-letter.js";
import {
  backoffDelay,
  type FailbackDecision,
  type FaultPolicy,
  type RetryPolicy,
} from "../operators/fault-policy.js";
import { sleep } from "../util/sleep.js";
import type { NodeStats, OperatorStats } from "./stats.js";

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

/**
 * The operator a fault handler (or an error) is about: its name, its kind (`map`, `filter`,
 * `sink`...) and, when it has its own counters, their object. @internal
 */
export interface OperatorRef {
  readonly name: string;
  readonly kind?: string;
  readonly stats?: OperatorStats;
}

/** `operator "gate" (filter)`, or `operator "map"` when the name is the kind. @internal */
export function describeOperator(name: string, kind?: string): string {
  return kind === undefined || kind === name ? `operator "${name}"` : `operator "${name}" (${kind})`;
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
  kind?: string,
): PipelineError {
  if (err instanceof PipelineError) return err;
  const at =
    "record" in where ? `on record ${previewRecord(where.record)}` : `on batch ${where.batchIndex ?? "?"}`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  return new PipelineError(
    `node "${node}", ${describeOperator(operator, kind)} failed ${at}${tries}: ${describeError(err)}. ` +
      "To keep going past bad records, set onError ('skip', 'dead-letter' or retry(...)) on the operator or the Env.",
    // MassError sets operatorKind only when it is defined
    { node, operator, operatorKind: kind, cause: err, attempts, ...where },
  );
}

/**
 * Builds the fault handler of one operator. `call(input)` re-runs the operation for retries.
 * Batch-level handlers (sinks: `batchIndex` given) dead-letter each record of the failed batch.
 * Counts go to the node's stats and, when `operator` has its own, to the operator's.
 * @internal
 */
export function faultHandler(
  scope: FaultScope,
  op: string | OperatorRef,
  policy: FaultPolicy,
  call: (input: unknown) => unknown,
  failback?: (err: Error, input: unknown) => FailbackDecision,
  batchIndex?: () => number,
): FaultHandler {
  const ref: OperatorRef = typeof op === "string" ? { name: op } : op;
  const operator = ref.name;
  const kind = ref.kind;
  const opStats = ref.stats;
  const batchLevel = batchIndex !== undefined;
  const where = (input: unknown) =>
    batchIndex !== undefined ? { batchIndex: batchIndex() } : { record: input };
  const drop = (
    decision: "fail" | "skip" | "dead-letter",
    err: unknown,
    input: unknown,
    attempts: number,
  ) => {
    if (decision === "fail") throw pipelineError(scope.name, operator, err, where(input), attempts, kind);
    const items = batchLevel ? (input as unknown[]) : [input];
    if (decision === "skip") {
      scope.stats.skipped += items.length;
      if (opStats !== undefined) opStats.skipped += items.length;
      return SKIP;
    }
    const at = Date.now();
    const error = asError(err);
    for (const record of items) {
      const letter: DeadLetter =
        kind === undefined
          ? { record, error, node: scope.name, operator, attempts, at }
          : { record, error, node: scope.name, operator, operatorKind: kind, attempts, at };
      scope.pendingDeadLetters.push(letter);
    }
    scope.stats.deadLettered += items.length;
    if (opStats !== undefined) opStats.deadLettered += items.length;
    return SKIP;
  };
  const retryLoop = async (p: RetryPolicy, err: unknown, input: unknown) => {
    let attempt = 1;
    while (attempt < p.attempts && p.retryOn(err)) {
      attempt++;
      await sleep(backoffDelay(p.backoff, attempt), scope.signal);
      scope.stats.retries++;
      if (opStats !== undefined) opStats.retries++;
      try {
        // awaited here, so that a rejected promise is retried too
        return await call(input);
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
        throw pipelineError(scope.name, `${operator}.failback`, e, where(input), 1, kind);
      }
    }
    const p = decision ?? policy;
    if (typeof p === "string") return drop(p, err, input, 1);
    return retryLoop(p, err, input);
  };
}
