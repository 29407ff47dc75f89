import type { Clock } from "../../functions/app/apply";
import { readJson, writeJson } from "./json-file";

/** A LocalClock's reading, passed to worker threads: they cannot share the object. */
export interface ClockState {
  offsetMs: number;
  frozenAt?: number;
}

/** A clock that reads as the LocalClock did when it gave `state` (it does not jump meanwhile: ClockGate). */
export function clockOf(state: ClockState): Clock {
  return { now: () => new Date(state.frozenAt ?? Date.now() + state.offsetMs) };
}

/**
 * The runtime's clock: real time plus an offset that POST /_clock/advance moves forward. Frozen, it
 * moves only when advanced, so a test can compare exact durations however slowly it runs.
 */
export class LocalClock implements Clock {
  private offset: number;
  private frozenAt: number | undefined;

  constructor(
    offsetMs = 0,
    private readonly file?: string,
  ) {
    this.offset = offsetMs;
  }

  /** A clock kept in `file` across restarts (where it was), else one starting at `startAt` or now. */
  static async open(options: { file?: string; startAt?: string }): Promise<LocalClock> {
    const saved = options.file ? (await readJson<{ offsetMs: number }>(options.file))?.offsetMs : undefined;
    const start = options.startAt ? Date.parse(options.startAt) - Date.now() : 0;
    const clock = new LocalClock(saved ?? start, options.file);
    await clock.save();
    return clock;
  }

  get offsetMs() {
    return this.frozenAt === undefined ? this.offset : this.frozenAt - Date.now();
  }

  now() {
    return new Date(this.frozenAt ?? Date.now() + this.offset);
  }

  /** Where the clock stands, for a worker thread to read the same time (see clockOf). */
  state(): ClockState {
    return this.frozenAt === undefined ? { offsetMs: this.offset } : { offsetMs: 0, frozenAt: this.frozenAt };
  }

  /** Stops the clock where it is; it then moves only by advanceTo (and POST /_clock/advance). */
  freeze() {
    this.frozenAt ??= Date.now() + this.offset;
  }

  /** Lets real time move the clock again, from where it stands. */
  thaw() {
    if (this.frozenAt === undefined) return;
    this.offset = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }

  /** Moves the clock forward to `instant` (never back). */
  async advanceTo(instant: number) {
    if (this.frozenAt !== undefined) this.frozenAt = Math.max(this.frozenAt, instant);
    else this.offset = Math.max(this.offset, instant - Date.now());
    await this.save();
  }

  private async save() {
    if (this.file) await writeJson(this.file, { offsetMs: this.offsetMs });
  }
}
