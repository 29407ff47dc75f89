import { publishingMetrics } from "../../adapters/metrics";
import { makeOutboxHandler } from "../outbox";
import { awsDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeOutboxHandler(awsDeps), metrics);
