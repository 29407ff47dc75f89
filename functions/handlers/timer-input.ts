import * as z from "zod";

/** What each EventBridge Scheduler timer sends to the timers function. */
export const TimerInputSchema = z.object({
  ticketId: z.string().regex(/^T-\d+$/),
  name: z.enum(["eod", "update", "reminder", "confirm-timeout"]),
  dueAt: z.iso.datetime({ offset: true }),
});
