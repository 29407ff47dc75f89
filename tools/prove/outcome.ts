import { isSent } from "../../functions/app/effect-result";
import type { OutboxItem } from "../../functions/app/ports";

/** Whether the outbox recorded an effect as sent: the one place the proof tools read an effect's result. */
export function wasSent(item: Pick<OutboxItem, "result">): boolean {
  return isSent(item.result);
}
