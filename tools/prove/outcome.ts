import type { OutboxItem } from "../../functions/store/store";

/**
 * Whether the outbox recorded an effect as sent. The one place the proof tools read an effect's
 * result: when results become typed, this reads the field instead of the text, and nothing else moves.
 */
export function wasSent(item: Pick<OutboxItem, "result">): boolean {
  return item.result?.startsWith("sent") ?? false;
}
