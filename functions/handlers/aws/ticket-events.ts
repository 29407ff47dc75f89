import { publishingMetrics } from "../../adapters/metrics";
import { makeTicketEventsHandler } from "../ticket-events";
import { awsDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeTicketEventsHandler(awsDeps), metrics);
