import * as z from "zod";
import { sesMessageIdHeader } from "../adapters/ses";
import { applyEvent, type StoreDeps } from "../app/apply";
import { parseEffectTag } from "../mail/compose";

/** What SES publishes to EventBridge for the configuration set: sends, bounces and complaints. */
const SesEventSchema = z.object({
  source: z.literal("aws.ses"),
  region: z.string().optional(),
  detail: z.object({
    eventType: z.string(),
    mail: z.object({ messageId: z.string(), tags: z.record(z.string(), z.array(z.string())).optional() }),
    bounce: z
      .object({
        bounceType: z.string(),
        bounceSubType: z.string().optional(),
        bouncedRecipients: z.array(
          z.object({ emailAddress: z.string(), diagnosticCode: z.string().optional() }),
        ),
      })
      .optional(),
    complaint: z
      .object({
        complainedRecipients: z.array(z.object({ emailAddress: z.string() })),
        complaintFeedbackType: z.string().optional(),
      })
      .optional(),
  }),
});

/**
 * A permanent bounce or a complaint flags the address (no more automatic mail to it) and tells the
 * technicians of the ticket the mail belonged to. Transient bounces only get logged.
 */
export function makeSesEventsHandler(deps: () => Promise<StoreDeps & { region?: string }>) {
  return async (input: unknown) => {
    const event = SesEventSchema.parse(input);
    const d = await deps();
    const detail = event.detail;
    const now = d.clock.now();
    let affected: { address: string; reason: string }[] = [];
    if (detail.eventType === "Send") {
      // SES accepted a mail: recorded per outbox effect, so an attempt that died before marking
      // the effect done is not sent a second time (functions/app/outbox.ts).
      const effect = parseEffectTag(detail.mail.tags?.effect?.[0] ?? "");
      if (!effect) return { flagged: [] };
      const messageId = sesMessageIdHeader(detail.mail.messageId, event.region ?? d.region ?? "us-east-1");
      await d.store.recordSent(effect.ticketId, effect.effectId, messageId, now);
      return { flagged: [], sent: effect };
    }
    if (detail.eventType === "Bounce" && detail.bounce) {
      if (detail.bounce.bounceType !== "Permanent") {
        d.log.info("transient bounce", {
          messageId: detail.mail.messageId,
          type: detail.bounce.bounceSubType,
        });
        return { flagged: [] };
      }
      affected = detail.bounce.bouncedRecipients.map((r) => ({
        address: r.emailAddress,
        reason: `permanent bounce${detail.bounce?.bounceSubType ? ` (${detail.bounce.bounceSubType})` : ""}${r.diagnosticCode ? `: ${r.diagnosticCode}` : ""}`,
      }));
    } else if (detail.eventType === "Complaint" && detail.complaint) {
      affected = detail.complaint.complainedRecipients.map((r) => ({
        address: r.emailAddress,
        reason: `marked our mail as spam${detail.complaint?.complaintFeedbackType ? ` (${detail.complaint.complaintFeedbackType})` : ""}`,
      }));
    }
    const ticketId = detail.mail.tags?.ticket?.[0];
    for (const { address, reason } of affected) {
      await d.store.flagAddress(address, reason, now);
      if (ticketId && /^T-\d+$/.test(ticketId)) {
        await applyEvent(d, {
          type: "delivery-failed",
          id: `ses:${detail.mail.messageId}:${address}`,
          ticketId,
          address,
          reason,
        });
      }
    }
    return { flagged: affected.map((a) => a.address) };
  };
}
