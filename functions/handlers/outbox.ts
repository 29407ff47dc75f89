import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { OutboxDeps } from "../app/outbox";
import { performTicketEffects, sweepOutbox } from "../app/outbox";
import type { OutboxItem } from "../app/ports";
import { OutboxItemSchema, parseItem } from "../store/items";
import * as keys from "../store/keys";

export interface StreamRecord {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, AttributeValue>; SequenceNumber?: string };
}

/**
 * DynamoDB stream (filtered to outbox inserts) → perform each effect once. Failed records are
 * reported as partial batch failures, so only they are retried.
 */
export function makeOutboxHandler(deps: () => Promise<OutboxDeps>) {
  return async (event: { Records: StreamRecord[] } | { "detail-type": "Scheduled Event" }) => {
    const d = await deps();
    if (!("Records" in event)) {
      // The stack's every-five-minutes rule: what the stream left (see sweepOutbox).
      const swept = await sweepOutbox(d);
      d.log.info("outbox swept", swept);
      return { batchItemFailures: [], swept };
    }
    const byTicket = new Map<string, { item: OutboxItem; sequence?: string }[]>();
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      if (record.eventName !== "INSERT" || !image) continue;
      const raw = unmarshall(image);
      if (!keys.isOutbox(raw)) continue;
      const item = parseItem(OutboxItemSchema, raw, "outbox item");
      const list = byTicket.get(item.ticketId) ?? [];
      list.push({
        item,
        ...(record.dynamodb?.SequenceNumber ? { sequence: record.dynamodb.SequenceNumber } : {}),
      });
      byTicket.set(item.ticketId, list);
    }
    const batchItemFailures: { itemIdentifier: string }[] = [];
    // One ticket's effects in order; different tickets side by side.
    await Promise.all(
      [...byTicket.values()].map(async (records) => {
        const { failed } = await performTicketEffects(
          d,
          records.map((r) => r.item),
        );
        for (const { item, error } of failed) {
          d.log.error("effect failed; will be retried", {
            ticketId: item.ticketId,
            effectId: item.effect?.id,
            error: error.message,
          });
          const sequence = records.find((r) => r.item === item)?.sequence;
          if (sequence) batchItemFailures.push({ itemIdentifier: sequence });
        }
      }),
    );
    return { batchItemFailures };
  };
}
