/** Every key of the one table (DESIGN §2, "Data"), built here and nowhere else. */
export interface ItemKey {
  PK: string;
  SK: string;
}

const TICKET = "TICKET#";
const TIMELINE = "EV#";
const OUTBOX = "OUT#";
const SENT = "SENT#";

export function normalizeMessageId(messageId: string): string {
  const trimmed = messageId.trim();
  return (trimmed.startsWith("<") ? trimmed : `<${trimmed}>`).toLowerCase();
}

// Imported as a namespace (`import * as keys from "./keys"`): a bundle keeps only the keys it builds.
export const ticketPartition = (ticketId: string) => `${TICKET}${ticketId}`;
export const ticket = (ticketId: string): ItemKey => ({ PK: `${TICKET}${ticketId}`, SK: "META" });
export const timeline = (ticketId: string, at: string, suffix: string): ItemKey => ({
  PK: `${TICKET}${ticketId}`,
  SK: `${TIMELINE}${at}#${suffix}`,
});
export const timelinePrefix = TIMELINE;
export const outbox = (ticketId: string, effectId: string): ItemKey => ({
  PK: `${TICKET}${ticketId}`,
  SK: `${OUTBOX}${effectId}`,
});
export const outboxPrefix = OUTBOX;
export const isOutbox = (key: { SK?: unknown }) => typeof key.SK === "string" && key.SK.startsWith(OUTBOX);
export const sent = (ticketId: string, effectId: string): ItemKey => ({
  PK: `${TICKET}${ticketId}`,
  SK: `${SENT}${effectId}`,
});
export const thread = (ticketId: string): ItemKey => ({ PK: `${TICKET}${ticketId}`, SK: "THREAD" });
export const message = (messageId: string): ItemKey => ({
  PK: `MSG#${normalizeMessageId(messageId)}`,
  SK: "MSG",
});
export const counter: ItemKey = { PK: "COUNTER", SK: "TICKET" };
/** Flags in one partition, so the lead's list (GET /flags) is a query. */
export const flagPartition = "FLAG";
export const flag = (address: string): ItemKey => ({ PK: flagPartition, SK: address.toLowerCase() });
/** A fixed-window counter: one item per name and window. */
export const rate = (name: string, windowSeconds: number, now: Date): ItemKey => ({
  PK: `RATE#${name.toLowerCase()}#${windowSeconds}#${windowOf(now, windowSeconds)}`,
  SK: "RATE",
});
export const quarantinePartition = "QUARANTINE";
export const quarantine = (at: string, id: string): ItemKey => ({
  PK: quarantinePartition,
  SK: `${at}#${id}`,
});
export const feedbackPartition = "FEEDBACK";
export const feedback = (at: string, ticketId: string): ItemKey => ({
  PK: feedbackPartition,
  SK: `${at}#${ticketId}`,
});
export const report = (reportKey: string): ItemKey => ({ PK: "REPORT", SK: reportKey });

/** The number of the fixed window of `windowSeconds` that holds an instant. */
export function windowOf(now: Date, windowSeconds: number): number {
  return Math.floor(now.getTime() / 1000 / windowSeconds);
}

/**
 * The shard of a sharded index an item of a ticket goes to (FNV-1a of the ticket id): stable, so a
 * ticket's items always share one, and spread evenly over consecutive ticket numbers.
 */
export function shardOf(ticketId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < ticketId.length; i++) hash = Math.imul(hash ^ ticketId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}
export const shardKey = (index: { shardPrefix: string; shards: number }, ticketId: string) =>
  `${index.shardPrefix}${shardOf(ticketId, index.shards)}`;

/** One string per key, for maps of items read in a batch. */
export function keyString(key: ItemKey): string {
  return `${key.PK}\u0000${key.SK}`;
}
