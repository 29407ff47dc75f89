import { makeInboundEmailHandler } from "../inbound-email";
import { awsDeps } from "./deps";

export const handler = makeInboundEmailHandler(awsDeps);
