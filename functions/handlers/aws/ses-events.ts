import { makeSesEventsHandler } from "../ses-events";
import { awsDeps } from "./deps";

export const handler = makeSesEventsHandler(awsDeps);
