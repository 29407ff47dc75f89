import * as z from "zod";
import { sesMessageIdHeader } from "../adapters/ses";
import { applyEvent, type CoreDeps } from "../app/apply";
import { SesEventDetailSchema, triageSesEvent } from "../app/bounces";
import type { MailLedger, Throttle } from "../app/ports";

/** What SES publishes to EventBridge for the configuration set: sends, bounces and complaints. */
const SesEventSchema = z.object({
  source: z.literal("aws.ses"),
  region: z.string().optional(),
  detail: SesEventDetailSchema,
});

/** SES events from EventBridge → the triage of functions/app/bounces.ts, performed. */
export function makeSesEventsHandler(
  deps: () => Promise<CoreDeps & { mail: MailLedger; throttle: Throttle; region?: string }>,
) {
  return async (input: unknown) => {
    const event = SesEventSchema.parse(input);
    const d = await deps();
    const now = d.clock.now();
    const triage = triageSesEvent(event.detail);
    if (triage.kind === "sent") {
      // Recorded per outbox effect, so an attempt that died before marking the effect done is not
      // sent a second time (functions/app/outbox.ts).
      const messageId = sesMessageIdHeader(triage.sesMessageId, event.region ?? d.region ?? "us-east-1");
      await d.mail.recordSent(triage.effect.ticketId, triage.effect.effectId, messageId, now);
      return { flagged: [], sent: triage.effect };
    }
    if (triage.kind === "transient-bounce")
      d.log.info("transient bounce", { messageId: triage.sesMessageId, type: triage.subType });
    const flags = triage.kind === "flag" ? triage.flags : [];
    for (const { address, reason, notice } of flags) {
      await d.throttle.flagAddress(address, reason, now);
      if (notice) await applyEvent(d, notice);
    }
    return { flagged: flags.map((f) => f.address) };
  };
}
