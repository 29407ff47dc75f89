import { makeOutboxHandler } from "../outbox";
import { awsDeps } from "./deps";

export const handler = makeOutboxHandler(awsDeps);
