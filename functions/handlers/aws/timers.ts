import { publishingMetrics } from "../../adapters/metrics";
import { makeTimersHandler } from "../timers";
import { awsTimerDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeTimersHandler(awsTimerDeps), metrics);
