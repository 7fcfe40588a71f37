/**
 * Resolves like `promise`, or with `onAbort` as soon as `signal` aborts. Unlike
 * `Promise.race([promise, abortedPromise])` with a long-lived abort promise, it leaves nothing
 * behind: the listener is removed when `promise` settles (a race against a promise that never
 * settles keeps every result alive through its reaction list, a classic leak).
 * @internal
 */
export function abortable<T, A>(promise: Promise<T>, signal: AbortSignal, onAbort: A): Promise<T | A> {
  if (signal.aborted) return Promise.resolve(onAbort);
  return new Promise<T | A>((resolve, reject) => {
    const abort = () => resolve(onAbort);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", abort);
        resolve(v);
      },
      (err) => {
        signal.removeEventListener("abort", abort);
        reject(err);
      },
    );
  });
}
