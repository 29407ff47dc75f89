import { applyEvent, type CoreDeps } from "../app/apply";
import type { TimerScheduler } from "../app/outbox";
import { type Ticket, type TimerName, TimerNameSchema } from "../core";

/** A timer scheduler that can also say which timers it holds (`<ticketId>-<name>`, see scheduleName). */
export interface ArmedTimers extends TimerScheduler {
  armed?(): Promise<Set<string>>;
}

export interface ReconcileDeps extends CoreDeps {
  /**
   * The tickets; with `closedSince`, a store that keeps an index of active tickets reads only those not
   * closed (closed tickets hold no timer), one that does not reads every ticket.
   */
  reports: { ticketsWithLastSent(options?: { closedSince?: Date }): Promise<{ ticket: Ticket }[]> };
  scheduler: ArmedTimers;
}

export interface ReconcileResult {
  /** Timers the tickets hold. */
  checked: number;
  /** Overdue timers fired here, with the outcome the policy gave each. */
  fired: { ticketId: string; name: TimerName; dueAt: string; outcome: string }[];
  /** Future timers whose schedule was missing, set again. */
  rearmed: { ticketId: string; name: TimerName; dueAt: string }[];
  failed: { ticketId: string; name: TimerName; error: string }[];
}

/**
 * How late a timer may be before the reconciler fires it itself: twice the longest flexible window
 * Scheduler is given (15 minutes, adapters/scheduler.ts). Lambda retries a failed invocation for up
 * to six hours, but a firing is idempotent (a timer whose
 * ticket moved on is stale, one already applied is a duplicate), so a retry still under way costs
 * nothing when the reconciler got there first.
 */
export const OVERDUE_AFTER_MS = 30 * 60_000;

/**
 * Issue 15, "Operations": timers lost on the way are found from the tickets, which record every armed
 * timer and its instant. A timer past its instant fires now, through the same decision as the timers
 * function (a schedule deletes itself after its last attempt, failed or not); a future timer whose
 * schedule is gone (where the scheduler can list them) is armed again. Run hourly by the stack's cron.
 */
export async function reconcileTimers(deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = deps.clock.now().getTime();
  const result: ReconcileResult = { checked: 0, fired: [], rearmed: [], failed: [] };
  let armed: Set<string> | undefined;
  for (const { ticket } of await deps.reports.ticketsWithLastSent({ closedSince: new Date(now) })) {
    for (const [key, dueAt] of Object.entries(ticket.timers)) {
      const name = TimerNameSchema.safeParse(key);
      if (!name.success || !dueAt) continue;
      result.checked += 1;
      const timer = { ticketId: ticket.id, name: name.data, dueAt };
      try {
        if (Date.parse(dueAt) <= now - OVERDUE_AFTER_MS) {
          const decision = await applyEvent(deps, {
            type: "timer",
            id: `${timer.ticketId}:${timer.name}:${timer.dueAt}`,
            ...timer,
          });
          result.fired.push({ ...timer, outcome: decision.outcome });
        } else if (Date.parse(dueAt) > now && deps.scheduler.armed) {
          armed ??= await deps.scheduler.armed();
          if (armed.has(`${timer.ticketId}-${timer.name}`)) continue;
          await deps.scheduler.set(timer.ticketId, timer.name, timer.dueAt);
          result.rearmed.push(timer);
        }
      } catch (error) {
        result.failed.push({ ticketId: timer.ticketId, name: timer.name, error: String(error) });
      }
    }
  }
  if (result.fired.length || result.rearmed.length || result.failed.length)
    deps.log.warn("timers reconciled", {
      checked: result.checked,
      fired: result.fired,
      rearmed: result.rearmed,
      failed: result.failed,
    });
  return result;
}
