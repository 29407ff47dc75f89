/**
 * Forgetting a client (DESIGN §7; issue 14, finding 10): what the table holds about an address, the
 * raw mail those items point at, and the attachments kept from the erased tickets' mail. `npm run aviso -- forget <address>` locally (tools/forget.ts),
 * `DELETE /clients/{address}` (IAM) on AWS (app/admin.ts).
 */
import type { AttachmentStore } from "./attachments";
import { type Clock, type Logger, systemClock } from "./clock";
import type { ErasureReport, IncidentIndexStore, RawMailReader, ReportRepository } from "./ports";
import { forgetIncidents } from "./similar-incidents";

export interface ForgetDeps {
  reports: Pick<ReportRepository, "forgetClient" | "expireTickets">;
  /** Deletes kept raw mail; without it the references are reported as kept. */
  rawMailReader?: RawMailReader;
  /** The similar-incidents index: an erased ticket's request, cause and fix are taken out of it too. */
  incidentIndex?: IncidentIndexStore;
  /** Kept attachments: an erased ticket's files are removed with it. */
  attachments?: AttachmentStore;
  clock?: Clock;
  log: Logger;
}

export interface ForgetResult extends ErasureReport {
  dryRun: boolean;
  /** The raw mail the erased items pointed at: how many, how many deleted, and which could not be. */
  rawMail: { found: number; removed: number; kept: string[] };
  /**
   * The erased tickets' kept attachments (only when the store can remove them and this is no dry
   * run): how many files were deleted, and the tickets whose files could not be.
   */
  attachments?: { removed: number; failed: string[] };
}

/** A plausible mail address, lower-cased; undefined otherwise. */
export function clientAddress(input: unknown): string | undefined {
  if (typeof input !== "string") return undefined;
  const address = input.trim().toLowerCase();
  return address.length <= 320 && /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
}

/**
 * Retention (config closedTicketRetentionDays): erases tickets closed longer ago than that, with what
 * hangs on them and the raw mail they point at, and what the table's TTL left of the ones whose item
 * it removed first. Daily: the stack's cron, the local runtime's timekeeper.
 */
export async function expireClosedTickets(
  deps: ForgetDeps & { config: { closedTicketRetentionDays: number }; clock: { now(): Date } },
  options: { dryRun?: boolean } = {},
): Promise<ForgetResult> {
  const closedBefore = new Date(
    deps.clock.now().getTime() - deps.config.closedTicketRetentionDays * 86_400_000,
  );
  const dryRun = options.dryRun === true;
  const report = await deps.reports.expireTickets(closedBefore, { dryRun });
  const rawMail = await removeRawMail(deps, report.rawRefs, dryRun);
  const attachments = dryRun ? undefined : await removeAttachments(deps, report.tickets);
  if (!dryRun) await forgetIncidents({ ...deps, clock: deps.clock }, report.tickets);
  deps.log.info("closed tickets expired", {
    closedBefore: closedBefore.toISOString(),
    tickets: report.tickets,
    dryRun,
  });
  return { ...report, dryRun, rawMail, ...(attachments ? { attachments } : {}) };
}

export async function forgetClient(
  deps: ForgetDeps,
  address: string,
  options: { dryRun?: boolean } = {},
): Promise<ForgetResult> {
  const dryRun = options.dryRun === true;
  const report = await deps.reports.forgetClient(address, { dryRun });
  const rawMail = await removeRawMail(deps, report.rawRefs, dryRun);
  const attachments = dryRun ? undefined : await removeAttachments(deps, report.tickets);
  if (!dryRun) await forgetIncidents({ ...deps, clock: deps.clock ?? systemClock }, report.tickets);
  // The address is not logged: the log would keep what the erasure removed.
  deps.log.warn(dryRun ? "client erasure counted (dry run)" : "client erased", {
    tickets: report.tickets,
    removed: report.removed,
    rawMail: report.rawRefs.length,
  });
  return { ...report, dryRun, rawMail, ...(attachments ? { attachments } : {}) };
}

/** Each erased ticket's kept files; a ticket whose files could not be deleted is named, the rest go on. */
async function removeAttachments(deps: ForgetDeps, tickets: string[]): Promise<ForgetResult["attachments"]> {
  const store = deps.attachments;
  if (!store?.removeTicket) return undefined;
  let removed = 0;
  const failed: string[] = [];
  for (const ticketId of tickets) {
    try {
      removed += await store.removeTicket(ticketId);
    } catch (error) {
      deps.log.error("attachments not deleted", { ticketId, error: String(error) });
      failed.push(ticketId);
    }
  }
  return { removed, failed };
}

async function removeRawMail(
  deps: ForgetDeps,
  refs: string[],
  dryRun: boolean,
): Promise<ForgetResult["rawMail"]> {
  const kept: string[] = [];
  let removed = 0;
  if (!dryRun) {
    for (const ref of refs) {
      try {
        if (!deps.rawMailReader?.remove) kept.push(ref);
        else if (await deps.rawMailReader.remove(ref)) removed += 1;
      } catch (error) {
        deps.log.error("raw mail not deleted", { ref, error: String(error) });
        kept.push(ref);
      }
    }
  }
  return { found: refs.length, removed, kept };
}
