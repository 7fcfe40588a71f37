import type { OperatorContext } from "../operators/context.js";
import type { DeadLetter } from "../operators/dead-letter.js";
import type { FaultPolicy } from "../operators/fault-policy.js";
import type { Logger } from "../util/logger.js";
import type { CheckpointCoordinator } from "./checkpoint/coordinator.js";
import type { RuntimeNode } from "./node.js";

/** Settings of one physical node. @internal */
export interface NodeSettings {
  readonly batchSize: number;
  readonly highWaterMark: number;
  readonly lingerMs: number;
  /** Fault policy of the node's own operator and of stages that set none. */
  readonly onError: FaultPolicy;
}

/** What every node of a job shares. @internal */
export interface JobContext {
  readonly envName: string;
  readonly logger: Logger;
  readonly onError: FaultPolicy;
  /** Hands dead letters to `env.deadLetters` (serialised). */
  deadLetter(letters: DeadLetter[]): Promise<void>;
  /** Called once when a node settled (finished, failed or cancelled), to propagate through the graph. */
  nodeSettled(node: RuntimeNode): void;
  /** The checkpoint coordinator of the run, when the Env has `checkpoint` options. */
  readonly checkpoints: CheckpointCoordinator | null;
}

/** Lifecycle hooks the runtime calls on an operator. @internal */
export interface Hooks {
  name?: string;
  open?(ctx: OperatorContext): void | Promise<void>;
  done?(): unknown;
  fatal?(err: Error): void | Promise<void>;
  cleanup?(err?: Error): void | Promise<void>;
  /** A sink's first phase of a two-phase commit (see `Sink.preCommit`). */
  preCommit?(checkpointId: number): void | Promise<void>;
}

/** Final state of a node. */
export type NodeStatus = "created" | "running" | "finished" | "failed" | "cancelled";
