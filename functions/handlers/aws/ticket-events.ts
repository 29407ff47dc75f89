import { makeTicketEventsHandler } from "../ticket-events";
import { awsDeps } from "./deps";

export const handler = makeTicketEventsHandler(awsDeps);
