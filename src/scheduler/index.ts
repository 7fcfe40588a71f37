export { type LifecycleState, Startable } from "../util/startable.js";
export { VirtualClock } from "../util/virtual-clock.js";
export * from "./dead-letter-queue.js";
export * from "./events.js";
export * from "./metrics.js";
export * from "./scheduler.js";
// the original design's class names (Mass v1/v2 code runs unchanged); see docs/scheduler.md
export { Scheduler as MassTaskScheduler } from "./scheduler.js";
export * from "./store/file-store.js";
export * from "./store/memory-store.js";
export * from "./store/store-state.js";
export * from "./stream-task.js";
export { StreamTask as MassStreamTask } from "./stream-task.js";
export * from "./task.js";
export { Task as MassTask } from "./task.js";
export * from "./task-handle.js";
export type { TaskInput } from "./task-impl.js";
export * from "./task-options.js";
export type { RunStatus } from "./task-run.js";
