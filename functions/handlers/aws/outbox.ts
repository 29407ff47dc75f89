import { publishingMetrics } from "../../adapters/metrics";
import { makeOutboxHandler } from "../outbox";
import { awsOutboxDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeOutboxHandler(awsOutboxDeps), metrics);
