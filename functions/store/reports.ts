/** What the support lead's page and weekly report read across tickets, and the once-only report claim. */
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import type { ReportRepository } from "../app/ports";
import type { Ticket } from "../core";
import { putIfAbsent, type Table } from "./dynamo";
import { parseItem, ThreadItemSchema, TicketItemSchema } from "./items";
import * as keys from "./keys";

export class DynamoReports implements ReportRepository {
  constructor(private readonly table: Table) {}

  /** A scan of tickets and threads (small installations and the local runtime). */
  async ticketsWithLastSent(): Promise<{ ticket: Ticket; lastSentAt?: string }[]> {
    const ticketKey = keys.ticket("");
    const threadKey = keys.thread("");
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan(
      { client: this.table.doc },
      {
        TableName: this.table.name,
        FilterExpression: "(SK = :meta OR SK = :thread) AND begins_with(PK, :ticket)",
        ExpressionAttributeValues: {
          ":meta": ticketKey.SK,
          ":thread": threadKey.SK,
          ":ticket": ticketKey.PK,
        },
      },
    ))
      items.push(...(page.Items ?? []));
    const sent = new Map<string, string>();
    for (const item of items) {
      if (item.SK !== threadKey.SK) continue;
      const lastSentAt = parseItem(ThreadItemSchema, item, "thread").lastSentAt;
      if (lastSentAt) sent.set(String(item.PK), lastSentAt);
    }
    return items
      .filter((item) => item.SK === ticketKey.SK)
      .map((item) => {
        const lastSentAt = sent.get(String(item.PK));
        const { ticket } = parseItem(TicketItemSchema, item, `ticket ${String(item.PK)}`);
        return { ticket, ...(lastSentAt ? { lastSentAt } : {}) };
      });
  }

  claimReport(reportKey: string, now: Date): Promise<boolean> {
    return putIfAbsent(this.table, { ...keys.report(reportKey), at: now.toISOString() });
  }
}
