export * from "./calendar";
export * from "./events";
export * from "./metrics";
export * from "./model";
export * from "./policy";
export * from "./report";
export * from "./schedule";
