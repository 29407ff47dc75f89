/**
 * What performing one outbox effect came to. Stored on the outbox item as it is: metrics, the lead's
 * page and the proof tools read these fields; logs and the API show them as they are.
 */
export type EffectResult =
  | {
      outcome: "sent";
      messageId: string;
      /** Recipients left out of this mail, each with why. */
      skipped?: SkippedRecipient[];
      /** An interrupted attempt had already been accepted by the mail system: not sent again. */
      confirmedByLedger?: true;
    }
  /** Nobody could be mailed: every recipient was flagged or over the loop cap. */
  | { outcome: "suppressed"; skipped: SkippedRecipient[] }
  /** The configuration names nobody for this audience (no account manager, no support lead). */
  | { outcome: "no-recipient"; audience: string }
  /** A timer effect performed late: the ticket has armed (or disarmed) the timer since. */
  | { outcome: "superseded"; timer: string; armed?: string }
  | { outcome: "timer-set"; timer: string; at: string }
  | { outcome: "timer-cancelled"; timer: string }
  | { outcome: "feedback-recorded" };

export interface SkippedRecipient {
  address: string;
  why: "flagged" | "loop-cap";
  /** For a flagged address, the flag's reason. */
  detail?: string;
}

export function isSent(
  result: EffectResult | undefined,
): result is Extract<EffectResult, { outcome: "sent" }> {
  return result?.outcome === "sent";
}
