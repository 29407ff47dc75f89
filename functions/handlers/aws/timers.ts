import { publishingMetrics } from "../../adapters/metrics";
import { makeTimersHandler } from "../timers";
import { awsTicketDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeTimersHandler(awsTicketDeps), metrics);
