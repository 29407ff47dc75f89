import type { MetricPoint } from "../core/metrics";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Where handlers report figures (CloudWatch EMF on AWS, nowhere locally unless a test listens). */
export interface Metrics {
  record(points: MetricPoint[]): void;
}

export const noMetrics: Metrics = { record: () => {} };

export interface Logger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  info: (message, data) => console.log(JSON.stringify({ level: "INFO", message, ...data })),
  warn: (message, data) => console.warn(JSON.stringify({ level: "WARN", message, ...data })),
  error: (message, data) => console.error(JSON.stringify({ level: "ERROR", message, ...data })),
};
