import { publishingMetrics } from "../../adapters/metrics";
import { makeInboundEmailHandler } from "../inbound-email";
import { awsTicketDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeInboundEmailHandler(awsTicketDeps), metrics);
