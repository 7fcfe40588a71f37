export type {
  CheckpointData,
  CheckpointStore,
  OperatorPart,
  StoredCheckpoint,
} from "./checkpoint-store.js";
export { type DirectoryCheckpointStoreOptions, directoryCheckpointStore } from "./directory-store.js";
export { memoryCheckpointStore } from "./memory-store.js";
