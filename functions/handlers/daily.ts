import { sendQuarantineDigest } from "../app/admin";
import { expireClosedTickets, type ForgetDeps } from "../app/forget";
import type { Mailer } from "../app/outbox";
import type { QuarantineRepository, ReportRepository } from "../app/ports";
import { CronInputSchema } from "./cron-input";
import { type ReconcileDeps, reconcileTimers } from "./reconcile-timers";

export type DailyDeps = ReconcileDeps &
  ForgetDeps & {
    mailer: Mailer;
    quarantine: QuarantineRepository;
    reports: Pick<ReportRepository, "ticketsWithLastSent" | "claimReport" | "expireTickets" | "forgetClient">;
    configurationSet?: string;
  };

/**
 * The daily jobs (issue 14: the lead's digest of held mail, closed tickets expired; issue 15: timers
 * re-armed). Each job runs even when another failed; the invocation then fails, naming them, so it is
 * retried and, after Lambda's retries, kept in the on-failure queue. Every job is idempotent: the
 * digest is claimed per day, expiry and the reconciler read what is left to do.
 */
export function makeDailyHandler(deps: () => Promise<DailyDeps>) {
  return async (input: unknown) => {
    const { aviso } = CronInputSchema.parse(input);
    const d = await deps();
    const jobs: Record<string, () => Promise<unknown>> = {
      timers: () => reconcileTimers(d),
      ...(aviso === "daily"
        ? {
            quarantineDigest: () => sendQuarantineDigest(d),
            expiredTickets: () => expireClosedTickets(d),
          }
        : {}),
    };
    const results: Record<string, unknown> = {};
    const failed: string[] = [];
    for (const [name, job] of Object.entries(jobs)) {
      try {
        results[name] = await job();
      } catch (error) {
        failed.push(`${name}: ${String(error)}`);
        d.log.error(`daily job ${name} failed`, { error: String(error) });
      }
    }
    const timers = results.timers as Awaited<ReturnType<typeof reconcileTimers>> | undefined;
    if (timers?.failed.length) failed.push(`timers: ${timers.failed.length} could not be reconciled`);
    if (failed.length) throw new Error(`aviso ${aviso}: ${failed.join("; ")}`);
    return results;
  };
}
