import { precompiled } from "../../templates/generated/report-templates";
import { weeklyReport } from "../core";
import { composeSendEmail } from "../mail/compose";
import { makeRenderer } from "../mail/renderer";

export const renderReport = makeRenderer(precompiled);

import type { OutboxDeps } from "./outbox";
import type { ReportRepository } from "./ports";

/**
 * The support lead's Monday mail: the last seven days' figures, the longest silences, the lowest
 * ratings with their comments and the clients' new ideas. Sent once per week key, whoever asks twice.
 */
export async function sendWeeklyReport(
  deps: Pick<OutboxDeps, "config" | "clock" | "log" | "mailer" | "feedback" | "configurationSet"> & {
    reports: ReportRepository;
  },
  options: { force?: boolean } = {},
): Promise<{ sent: boolean; reason: string; messageId?: string }> {
  const config = deps.config;
  if (!config.supportLead) return { sent: false, reason: "no supportLead configured" };
  const now = deps.clock.now();
  const [tickets, feedback] = await Promise.all([
    // Closed before the week began, a ticket has nothing in this week's figures.
    deps.reports.ticketsWithLastSent({ closedSince: new Date(now.getTime() - 7 * 86_400_000) }),
    deps.feedback.feedback(),
  ]);
  const report = weeklyReport({ tickets, feedback, now, timeZone: config.technicianTimeZone });
  if (!options.force && !(await deps.reports.claimReport(`weekly#${report.to}`, now)))
    return { sent: false, reason: `the report for the week to ${report.to} was already sent` };
  const rendered = renderReport(
    config.defaultLocale,
    "staff-weekly-report",
    { ticketId: "", subject: "", report },
    { timeZone: config.technicianTimeZone },
  );
  const { messageId } = await deps.mailer.send(
    composeSendEmail({
      from: { address: config.supportAddress, name: config.supportName },
      to: [{ address: config.supportLead }],
      replyTo: config.supportAddress,
      rendered,
      ticketId: "weekly-report",
      thread: [],
      automatic: true,
      ...(deps.configurationSet ? { configurationSetName: deps.configurationSet } : {}),
    }),
  );
  deps.log.info("weekly report sent", {
    to: config.supportLead,
    week: `${report.from}..${report.to}`,
    messageId,
  });
  return { sent: true, reason: `week ${report.from}..${report.to}`, messageId };
}
