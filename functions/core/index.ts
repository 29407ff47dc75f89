export * from "./calendar";
export * from "./events";
export * from "./model";
export * from "./policy";
