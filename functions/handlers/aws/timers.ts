import { makeTimersHandler } from "../timers";
import { awsDeps } from "./deps";

export const handler = makeTimersHandler(awsDeps);
