/** Rate counters and flagged addresses on the table: what keeps loops and bounces in check. */
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type AddressFlagEntry, flagLifetimeDays, type MailingState, type Throttle } from "../app/ports";
import { countInWindow, expiresAfterDays, getItem, getMany, queryPartition, type Table } from "./dynamo";
import { CounterItemSchema, FlagItemSchema, parseItem, ThreadItemSchema } from "./items";
import * as keys from "./keys";
import { keyString } from "./keys";
import { TTL_ATTRIBUTE } from "./table";

const outName = (address: string) => `out#${address.toLowerCase()}`;
const OUT_TO_ALL = "out#*";

export class DynamoThrottle implements Throttle {
  constructor(private readonly table: Table) {}

  countInWindow(name: string, windowSeconds: number, now: Date): Promise<number> {
    return countInWindow(this.table, name, windowSeconds, now);
  }

  async peekWindow(name: string, windowSeconds: number, now: Date): Promise<number> {
    const item = await getItem(this.table, keys.rate(name, windowSeconds, now));
    return item ? parseItem(CounterItemSchema, item, "rate counter").count : 0;
  }

  /** The latest of the current and previous windows of the address's `out#` counter. */
  async lastMailedAt(address: string, windowSeconds: number, now: Date): Promise<string | undefined> {
    const previous = new Date(now.getTime() - windowSeconds * 1000);
    const items = await getMany(this.table, [
      keys.rate(outName(address), windowSeconds, now),
      keys.rate(outName(address), windowSeconds, previous),
    ]);
    const times = [...items.values()]
      .map((item) => parseItem(CounterItemSchema, item, "rate counter").lastAt)
      .filter((at): at is string => typeof at === "string");
    return times.sort().at(-1);
  }

  /** The flag carries its expiry twice: `until` for the read-time check, the TTL for the table to delete it. */
  async flagAddress(
    address: string,
    reason: string,
    now: Date,
    days = flagLifetimeDays(reason),
  ): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.flag(address),
          reason,
          at: now.toISOString(),
          until: new Date(now.getTime() + days * 86_400_000).toISOString(),
          [TTL_ATTRIBUTE]: expiresAfterDays(now, days),
        },
      }),
    );
  }

  async isFlagged(address: string, now?: Date): Promise<string | undefined> {
    const item = await getItem(this.table, keys.flag(address));
    const flag = item ? parseItem(FlagItemSchema, item, "address flag") : undefined;
    return flag && inForce(flag, now) ? flag.reason : undefined;
  }

  async flags(now: Date): Promise<AddressFlagEntry[]> {
    const items = await queryPartition(this.table, keys.flagPartition);
    return items
      .map((item) => ({ address: String(item.SK), ...parseItem(FlagItemSchema, item, "address flag") }))
      .filter((flag) => inForce(flag, now))
      .map(({ address, reason, at, until }) => ({ address, reason, at, until: until ?? "" }))
      .sort((a, b) => a.address.localeCompare(b.address));
  }

  async clearFlag(address: string): Promise<boolean> {
    const result = await this.table.doc.send(
      new DeleteCommand({ TableName: this.table.name, Key: keys.flag(address), ReturnValues: "ALL_OLD" }),
    );
    return Boolean(result.Attributes);
  }

  async mailingState(
    addresses: string[],
    windowSeconds: number,
    now: Date,
    threadOf?: string,
  ): Promise<MailingState> {
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    const counter = (name: string) => keys.rate(name, windowSeconds, now);
    const items = await getMany(this.table, [
      ...unique.map((a) => keys.flag(a)),
      ...unique.map((a) => counter(outName(a))),
      counter(OUT_TO_ALL),
      ...(threadOf ? [keys.thread(threadOf)] : []),
    ]);
    const count = (name: string) => {
      const item = items.get(keyString(counter(name)));
      return item ? parseItem(CounterItemSchema, item, "rate counter").count : 0;
    };
    const state: MailingState = {
      flagged: new Map(),
      sent: new Map(),
      sentToAll: count(OUT_TO_ALL),
      thread: [],
    };
    const thread = threadOf ? items.get(keyString(keys.thread(threadOf))) : undefined;
    if (thread) state.thread = parseItem(ThreadItemSchema, thread, `thread of ${threadOf}`).ids;
    for (const address of unique) {
      const flag = items.get(keyString(keys.flag(address)));
      const parsed = flag ? parseItem(FlagItemSchema, flag, "address flag") : undefined;
      if (parsed && inForce(parsed, now)) state.flagged.set(address, parsed.reason);
      state.sent.set(address, count(outName(address)));
    }
    return state;
  }

  async recordMailSent(addresses: string[], automatic: boolean, windowSeconds: number, now: Date) {
    await Promise.all([
      ...[...new Set(addresses.map((a) => a.toLowerCase()))].map((a) =>
        countInWindow(this.table, outName(a), windowSeconds, now, { lastAt: true }),
      ),
      ...(automatic ? [countInWindow(this.table, OUT_TO_ALL, windowSeconds, now)] : []),
    ]);
  }
}

/** A flag written before flags expired has no `until`: it holds until cleared. */
function inForce(flag: { until?: string | undefined }, now: Date | undefined): boolean {
  return !now || !flag.until || flag.until > now.toISOString();
}
