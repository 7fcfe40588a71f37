export * from "./generator.js";
export * from "./model.js";
export * from "./nexmark-source.js";
