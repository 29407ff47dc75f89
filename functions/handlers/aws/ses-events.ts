import { publishingMetrics } from "../../adapters/metrics";
import { makeSesEventsHandler } from "../ses-events";
import { awsTicketDeps, metrics } from "./deps";

export const handler = publishingMetrics(makeSesEventsHandler(awsTicketDeps), metrics);
