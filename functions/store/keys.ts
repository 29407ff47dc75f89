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

export const keys = {
  ticketPartition: (ticketId: string) => `${TICKET}${ticketId}`,
  ticket: (ticketId: string): ItemKey => ({ PK: `${TICKET}${ticketId}`, SK: "META" }),
  timeline: (ticketId: string, at: string, suffix: string): ItemKey => ({
    PK: `${TICKET}${ticketId}`,
    SK: `${TIMELINE}${at}#${suffix}`,
  }),
  timelinePrefix: TIMELINE,
  outbox: (ticketId: string, effectId: string): ItemKey => ({
    PK: `${TICKET}${ticketId}`,
    SK: `${OUTBOX}${effectId}`,
  }),
  outboxPrefix: OUTBOX,
  isOutbox: (key: { SK?: unknown }) => typeof key.SK === "string" && key.SK.startsWith(OUTBOX),
  sent: (ticketId: string, effectId: string): ItemKey => ({
    PK: `${TICKET}${ticketId}`,
    SK: `${SENT}${effectId}`,
  }),
  thread: (ticketId: string): ItemKey => ({ PK: `${TICKET}${ticketId}`, SK: "THREAD" }),
  message: (messageId: string): ItemKey => ({ PK: `MSG#${normalizeMessageId(messageId)}`, SK: "MSG" }),
  counter: { PK: "COUNTER", SK: "TICKET" } as ItemKey,
  flag: (address: string): ItemKey => ({ PK: `FLAG#${address.toLowerCase()}`, SK: "FLAG" }),
  /** A fixed-window counter: one item per name and window. */
  rate: (name: string, windowSeconds: number, now: Date): ItemKey => ({
    PK: `RATE#${name.toLowerCase()}#${windowSeconds}#${windowOf(now, windowSeconds)}`,
    SK: "RATE",
  }),
  quarantinePartition: "QUARANTINE",
  quarantine: (at: string, id: string): ItemKey => ({ PK: "QUARANTINE", SK: `${at}#${id}` }),
  feedbackPartition: "FEEDBACK",
  feedback: (at: string, ticketId: string): ItemKey => ({ PK: "FEEDBACK", SK: `${at}#${ticketId}` }),
  report: (reportKey: string): ItemKey => ({ PK: "REPORT", SK: reportKey }),
};

/** The number of the fixed window of `windowSeconds` that holds an instant. */
export function windowOf(now: Date, windowSeconds: number): number {
  return Math.floor(now.getTime() / 1000 / windowSeconds);
}

/** One string per key, for maps of items read in a batch. */
export function keyString(key: ItemKey): string {
  return `${key.PK}\u0000${key.SK}`;
}
