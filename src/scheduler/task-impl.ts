import { ConfigError } from "../errors.js";
import { show } from "../util/validate.js";
import { StreamTask } from "./stream-task.js";
import { Task, type TaskClass, type TaskSpec } from "./task.js";
import type { TaskOptions } from "./task-options.js";

/** What `spawnTask` takes as its task. */
export type TaskInput<In = unknown, Out = unknown> = TaskClass<In, Out> | Task<In, Out> | TaskSpec<In, Out>;

const CONFIG_METHODS = ["executor", "streamProcessExecutor", "clean"] as const;

/**
 * The implementation behind `spawnTask(task, options)`: a new instance of a Task class, or the
 * Task instance or spec object given.
 * @param fallbackId - the default id of a spec object without a name.
 * @returns the implementation and the task's default id (class or spec name).
 * @throws ConfigError for anything else.
 * @internal
 */
export function taskImpl(task: TaskInput, fallbackId: string): { impl: Task | TaskSpec; defaultId: string } {
  if (typeof task === "function") return { impl: new (task as TaskClass)(), defaultId: task.name };
  if (task !== null && typeof task === "object" && typeof (task as TaskSpec).executor === "function") {
    const defaultId = task instanceof Task ? task.constructor.name : ((task as TaskSpec).name ?? fallbackId);
    return { impl: task as Task | TaskSpec, defaultId };
  }
  throw new ConfigError(
    "spawnTask(task): expected a Task class, a Task instance or { executor(input, proceed, bus) }",
  );
}

/**
 * The original configuration style (`spawnTask(MassTask, { executor })`): the functions of
 * `options` replace the class's methods on the new instance; then checks there is an executor.
 * @throws ConfigError for a method option given with a spec object, a non-function, a
 *   `streamProcessExecutor` for a non-stream task, or no executor at all.
 * @internal
 */
export function applyConfigStyle(
  impl: Task | TaskSpec,
  task: TaskInput,
  options: TaskOptions | undefined,
  id: string,
  defaultId: string,
): void {
  if (options !== null && typeof options === "object") {
    if (typeof task !== "function" && !(task instanceof Task)) {
      for (const k of CONFIG_METHODS)
        if (options[k] !== undefined)
          throw new ConfigError(
            `spawnTask(spec, options): options.${k} is for a Task class (spawnTask(MassTask, { ${k} })); put it in the spec object`,
          );
    }
    const methods = impl as unknown as Record<string, unknown>;
    for (const k of CONFIG_METHODS) {
      const fn = options[k];
      if (fn === undefined) continue;
      if (typeof fn !== "function")
        throw new ConfigError(`spawnTask options.${k} must be a function, got ${show(fn)}`);
      if (k === "streamProcessExecutor" && !(impl instanceof StreamTask))
        throw new ConfigError(
          `spawnTask options.streamProcessExecutor needs a StreamTask class (MassStreamTask), got ${defaultId}`,
        );
      methods[k] = fn;
    }
  }
  if (typeof impl.executor !== "function")
    throw new ConfigError(
      `spawnTask: task "${id}" has no executor(input, proceed, bus); implement it or give options.executor`,
    );
}
