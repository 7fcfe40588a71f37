export * from "./count-window.js";
export * from "./global-window.js";
export * from "./session.js";
export * from "./sliding.js";
export * from "./triggers.js";
export * from "./tumbling.js";
export * from "./window-assigner.js";
