import { applyEvent, type CoreDeps } from "../app/apply";
import { TimerInputSchema } from "./timer-input";

/** EventBridge Scheduler target: a timer fired. A timer for a state that moved on is a no-op. */
export function makeTimersHandler(deps: () => Promise<CoreDeps>) {
  return async (input: unknown) => {
    const timer = TimerInputSchema.parse(input);
    const decision = await applyEvent(await deps(), {
      type: "timer",
      id: `${timer.ticketId}:${timer.name}:${timer.dueAt}`,
      ticketId: timer.ticketId,
      name: timer.name,
      dueAt: timer.dueAt,
    });
    return { outcome: decision.outcome };
  };
}
