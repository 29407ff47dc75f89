import * as z from "zod";
import { DeliveryFailedSchema } from "../core";
import { parseEffectTag } from "../mail/compose";

/**
 * The part of an SES event-publishing record (the `detail` of an `aws.ses` EventBridge event) that
 * aviso reads. Other fields are ignored: SES may add fields at any time.
 */
export const SesEventDetailSchema = z.object({
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
});
export type SesEventDetail = z.infer<typeof SesEventDetailSchema>;

/** A `delivery-failed` event for the ticket the mail belonged to: how its technicians are told. */
export type DeliveryFailedNotice = z.input<typeof DeliveryFailedSchema>;

/** An address no more automatic mail goes to, why, and who is told (when the mail named its ticket). */
export interface AddressFlag {
  address: string;
  reason: string;
  notice?: DeliveryFailedNotice;
}

/** What an SES event means for aviso. */
export type SesEventTriage =
  /** SES accepted the mail of an outbox effect: record it, so the effect is not sent twice. */
  | { kind: "sent"; effect: { ticketId: string; effectId: string }; sesMessageId: string }
  /** A bounce that is not permanent: SES gave up for now, the address may work later. Logged only. */
  | { kind: "transient-bounce"; sesMessageId: string; subType: string | undefined }
  /** A permanent bounce or a complaint: flag each address, in this order. */
  | { kind: "flag"; flags: AddressFlag[] }
  /** Nothing to do: a delivery, a mail without our tags, an event type aviso does not act on. */
  | { kind: "ignored" };

/**
 * Bounce triage. A permanent bounce or a complaint flags the address (no more automatic mail to it)
 * and tells the technicians of the ticket the mail belonged to; transient bounces only get logged.
 * Pure: the caller performs what it returns.
 */
export function triageSesEvent(detail: SesEventDetail): SesEventTriage {
  if (detail.eventType === "Send") {
    const effect = parseEffectTag(detail.mail.tags?.effect?.[0] ?? "");
    return effect ? { kind: "sent", effect, sesMessageId: detail.mail.messageId } : { kind: "ignored" };
  }
  let affected: { address: string; reason: string }[] = [];
  const bounce = detail.bounce;
  const complaint = detail.complaint;
  if (detail.eventType === "Bounce" && bounce) {
    if (bounce.bounceType !== "Permanent")
      return { kind: "transient-bounce", sesMessageId: detail.mail.messageId, subType: bounce.bounceSubType };
    affected = bounce.bouncedRecipients.map((r) => ({
      address: r.emailAddress,
      reason: `permanent bounce${bounce.bounceSubType ? ` (${bounce.bounceSubType})` : ""}${r.diagnosticCode ? `: ${r.diagnosticCode}` : ""}`,
    }));
  } else if (detail.eventType === "Complaint" && complaint) {
    affected = complaint.complainedRecipients.map((r) => ({
      address: r.emailAddress,
      reason: `marked our mail as spam${complaint.complaintFeedbackType ? ` (${complaint.complaintFeedbackType})` : ""}`,
    }));
  } else {
    return { kind: "ignored" };
  }
  // The ticket the mail belonged to, when its tag holds a well-formed ticket id.
  const ticketId = DeliveryFailedSchema.shape.ticketId.safeParse(detail.mail.tags?.ticket?.[0]).data;
  return {
    kind: "flag",
    flags: affected.map(({ address, reason }) => ({
      address,
      reason,
      ...(ticketId
        ? {
            notice: {
              type: "delivery-failed" as const,
              id: `ses:${detail.mail.messageId}:${address}`,
              ticketId,
              address,
              reason,
            },
          }
        : {}),
    })),
  };
}
