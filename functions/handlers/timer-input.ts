import { TimerFiredSchema } from "../core";

/**
 * What each EventBridge Scheduler timer sends to the timers function: the timer event of
 * core/events.ts without its type and id, which the handler derives from these three fields.
 */
export const TimerInputSchema = TimerFiredSchema.pick({ ticketId: true, name: true, dueAt: true });
