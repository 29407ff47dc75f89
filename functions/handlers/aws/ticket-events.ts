import { publishingMetrics } from "../../adapters/metrics";
import { makeTicketEventsHandler } from "../ticket-events";
import { awsApiDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeTicketEventsHandler(awsApiDeps), metrics);
