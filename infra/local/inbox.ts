import type { Logger } from "../../functions/app/apply";
import type { QuarantineRepository } from "../../functions/app/ports";
import type { AvisoConfig } from "../../functions/config";
import type { ClockState, LocalClock } from "./clock";
import type { ClockGate } from "./clock-gate";
import type { Envelope } from "./smtp";
import { WorkerPool } from "./worker-pool";

/** What an inbound worker is started with (inbound-worker.ts). */
export interface InboundWorkerData {
  dynamodb: string;
  ses: string;
  mailDir: string;
  config: AvisoConfig;
}

/** One kept mail for an inbound worker. */
export interface InboundTask {
  messageId: string;
  envelope: Envelope;
  clock: ClockState;
}

/**
 * Kept mail, processed apart from the SMTP session that brought it: SMTP answers 250 once the raw
 * mail is kept, as SES does, and the inbound handler runs in a worker thread (see WorkerPool), so no
 * mail waits for another (DESIGN §7, bounded work). What cannot be processed is quarantined.
 */
export class Inbox {
  private pending = 0;
  private waiting: (() => void)[] = [];
  private readonly pool: WorkerPool<InboundTask, unknown>;

  constructor(
    private readonly parts: {
      worker: InboundWorkerData;
      gate: ClockGate;
      clock: LocalClock;
      quarantine: QuarantineRepository;
      rawRef(messageId: string): string;
      /** How long one mail may take, as the inbound Lambda's timeout on AWS. */
      timeLimitMs: number;
      log: Logger;
    },
  ) {
    this.pool = new WorkerPool({
      entry: new URL("./inbound-worker.ts", import.meta.url),
      data: parts.worker,
      size: 2,
      maxSize: 4,
      timeLimitMs: parts.timeLimitMs,
      log: parts.log,
    });
  }

  /** Takes a kept mail for processing; it counts as pending (see idle) from this call on. */
  accept(messageId: string, envelope: Envelope): void {
    const { gate, clock, log } = this.parts;
    this.pending += 1;
    void gate
      .shared(() => this.pool.run({ messageId, envelope, clock: clock.state() }))
      .then((result) => log.info("mail received", { messageId, result }))
      .catch((error: Error) => this.hold(messageId, envelope, error))
      .finally(() => {
        this.pending -= 1;
        if (this.pending === 0) for (const resolve of this.waiting.splice(0)) resolve();
      });
  }

  /** Resolves once every mail accepted so far is processed (or quarantined). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** No black hole: a mail kept but not processed is held with its reason, releasable. */
  private async hold(messageId: string, envelope: Envelope, error: Error) {
    const { clock, log } = this.parts;
    const rawRef = this.parts.rawRef(messageId);
    log.error("mail kept but not processed", { messageId, rawRef, error: error.message });
    try {
      await this.parts.quarantine.quarantine({
        at: clock.now().toISOString(),
        id: messageId,
        kind: "unprocessed",
        reason: `processing failed: ${error.message}`,
        rawRef,
        ...(envelope.from ? { from: envelope.from } : {}),
      });
    } catch (failure) {
      log.error("mail kept but not quarantined", { messageId, rawRef, error: String(failure) });
    }
  }
}
