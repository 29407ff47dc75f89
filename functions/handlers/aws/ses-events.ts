import { publishingMetrics } from "../../adapters/metrics";
import { makeSesEventsHandler } from "../ses-events";
import { awsDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeSesEventsHandler(awsDeps), metrics);
