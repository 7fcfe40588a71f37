export type { CliIo } from "./cli-io.js";
export * from "./control-client.js";
export * from "./job-file.js";
export { buildProgram } from "./program.js";
