import type { LifecycleEvent, RunStatus, Scheduler } from "../../src/scheduler/index.js";

/**
 * Resolves with the first lifecycle event of task `id` reaching `status` from now on (register
 * before acting): tests wait for the event, never for a number of turns or milliseconds.
 */
export function lifecycle(s: Scheduler, id: string, status: RunStatus): Promise<LifecycleEvent> {
  return new Promise((resolve) => {
    const fn = (e: LifecycleEvent) => {
      if (e.id !== id || e.status !== status) return;
      s.off("lifecycle", fn);
      resolve(e);
    };
    s.on("lifecycle", fn);
  });
}

/** A promise and the function that resolves it. */
export function gate(): { p: Promise<void>; open: () => void } {
  let open!: () => void;
  const p = new Promise<void>((r) => {
    open = r;
  });
  return { p, open };
}
