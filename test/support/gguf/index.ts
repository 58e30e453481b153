export * from "./types";
export * from "./codec";
export * from "./reader";
export * from "./writer";
