/**
 * What performing one outbox effect came to. Stored on the outbox item as it is: metrics, the lead's
 * page and the proof tools read these fields; `describeResult` is only for people (logs, the API).
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

export function describeResult(result: EffectResult): string {
  const skipped = (list: SkippedRecipient[]) =>
    list
      .map((s) => `${s.address} ${s.why === "flagged" ? `flagged (${s.detail ?? ""})` : "over the loop cap"}`)
      .join("; ");
  switch (result.outcome) {
    case "sent":
      return `sent ${result.messageId}${result.confirmedByLedger ? " (confirmed by the mail system after an interrupted attempt)" : ""}${result.skipped?.length ? ` (skipped: ${skipped(result.skipped)})` : ""}`;
    case "suppressed":
      return `not sent: ${skipped(result.skipped)}`;
    case "no-recipient":
      return `no recipient configured for ${result.audience}`;
    case "superseded":
      return result.armed
        ? `timer ${result.timer} superseded (now ${result.armed})`
        : `timer ${result.timer} superseded (now not armed)`;
    case "timer-set":
      return `timer ${result.timer} at ${result.at}`;
    case "timer-cancelled":
      return `timer ${result.timer} cancelled`;
    case "feedback-recorded":
      return "feedback recorded";
  }
}
