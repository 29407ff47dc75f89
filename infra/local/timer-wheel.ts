import type { TimerScheduler } from "../../functions/app/outbox";
import type { TimerName } from "../../functions/core";
import { readJson, writeJson } from "./json-file";

export type LocalTimer = { ticketId: string; name: TimerName; at: string };

/**
 * Scheduler stand-in: one-time timers in memory, fired in order when the clock passes them, and kept
 * in `timers.json` under the data folder with --persist. (On AWS they live in EventBridge Scheduler,
 * not in the table; keeping them out of DynamoDB Local leaves it to the work the table does on AWS.)
 */
export class LocalTimerWheel implements TimerScheduler {
  private loaded: Promise<Map<string, LocalTimer>> | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(private readonly file?: string) {}

  private index() {
    this.loaded ??= (async () => {
      const timers = new Map<string, LocalTimer>();
      const saved = this.file ? await readJson<LocalTimer[]>(this.file) : undefined;
      for (const timer of saved ?? []) timers.set(`${timer.ticketId}-${timer.name}`, timer);
      return timers;
    })();
    return this.loaded;
  }

  /** Writes the file after a change: one write at a time, the latest state last. */
  private save() {
    const file = this.file;
    if (!file) return Promise.resolve();
    this.dirty = true;
    this.writing ??= (async () => {
      while (this.dirty) {
        this.dirty = false;
        await writeJson(file, [...(await this.index()).values()]);
      }
    })().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Resolves once every change so far is on disk. */
  async flush() {
    while (this.writing) await this.writing;
  }

  async set(ticketId: string, name: TimerName, at: string) {
    (await this.index()).set(`${ticketId}-${name}`, { ticketId, name, at });
    await this.save();
  }

  async cancel(ticketId: string, name: TimerName) {
    (await this.index()).delete(`${ticketId}-${name}`);
    await this.save();
  }

  /** Every armed timer, soonest first. */
  async all(): Promise<LocalTimer[]> {
    return [...(await this.index()).values()].sort((a, b) => a.at.localeCompare(b.at));
  }

  /** The soonest timer due at or before `until`, if any. */
  async nextDue(until: number): Promise<LocalTimer | undefined> {
    let next: LocalTimer | undefined;
    for (const timer of (await this.index()).values())
      if (Date.parse(timer.at) <= until && (!next || timer.at < next.at)) next = timer;
    return next;
  }

  /** Takes a due timer for firing; false when it was re-armed or taken meanwhile. */
  async take(ticketId: string, name: TimerName, at: string): Promise<boolean> {
    const timers = await this.index();
    if (timers.get(`${ticketId}-${name}`)?.at !== at) return false;
    timers.delete(`${ticketId}-${name}`);
    await this.save();
    return true;
  }
}
