import { publishingMetrics } from "../../adapters/metrics";
import { makeInboundEmailHandler } from "../inbound-email";
import { awsDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeInboundEmailHandler(awsDeps), metrics);
