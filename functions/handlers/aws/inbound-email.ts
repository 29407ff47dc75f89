import { publishingMetrics } from "../../adapters/metrics";
import { makeInboundEmailHandler } from "../inbound-email";
import { awsInboundDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeInboundEmailHandler(awsInboundDeps), metrics);
