import * as z from "zod";

/**
 * What the stack's crons send the daily function (EventBridge Scheduler, in the technicians' time
 * zone; the local timekeeper at the same local times): the daily jobs each morning, the timer
 * reconciler every hour.
 */
export const CronInputSchema = z.object({ aviso: z.enum(["daily", "reconcile-timers"]) });
export type CronInput = z.infer<typeof CronInputSchema>;

/** The daily jobs' hour: the digest of the day before is waiting when the lead starts the day. */
export const DAILY_JOBS_HOUR = 6;
/** The hourly reconciler's minute: apart from the daily jobs, which reconcile too. */
export const RECONCILE_MINUTE = 30;
