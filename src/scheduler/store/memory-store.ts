import { emptyState, type StoreState, type TaskStoreBackend } from "./store-state.js";

/**
 * In-memory store: state survives `stop()`/`start()` of schedulers sharing this object, not the
 * process. `save` keeps the reference (no copy): cheapest for tests and benchmarks.
 */
export function memoryStore(): TaskStoreBackend {
  let state: StoreState = emptyState();
  return {
    name: "memory",
    async load() {
      return state;
    },
    async save(s) {
      state = s;
    },
  };
}
