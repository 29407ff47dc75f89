import { publishingMetrics } from "../../adapters/metrics";
import { makeTimersHandler } from "../timers";
import { awsDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeTimersHandler(awsDeps), metrics);
