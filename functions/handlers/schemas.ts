import * as z from "zod";

/*
 * Powertools' SES record schema (@aws-lambda-powertools/parser/schemas/ses), field for field, with
 * only what the inbound handler reads required: the message id (the raw mail's key in S3) and the
 * verdicts. SES omits commonHeaders it did not find (a mail without Subject, Date or To; a bounce
 * with no Return-Path) and dmarcPolicy unless DMARC failed; a schema stricter than SES sends a real
 * mail to the dead-letter queue instead of receiveMail, which quarantines what it cannot use.
 * It is restated rather than imported because that module writes `import { z } from "zod"`, which
 * esbuild cannot tree-shake: it would put all of zod's 264 KB of locales into the inbound Lambda
 * (colinhacks/zod#6597). test/unit/handler-schemas.test.ts proves the two schemas have the same
 * fields and types, and that ours requires only what the handler reads.
 */
const verdict = z.object({ status: z.enum(["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"]) });

const receipt = z.object({
  timestamp: z.iso.datetime().optional(),
  processingTimeMillis: z.number().int().positive().optional(),
  recipients: z.array(z.string()).optional(),
  spamVerdict: verdict,
  virusVerdict: verdict,
  spfVerdict: verdict,
  dmarcVerdict: verdict,
  dkimVerdict: verdict,
  dmarcPolicy: z.enum(["none", "quarantine", "reject"]).optional(),
  action: z
    .object({
      type: z.enum(["Lambda"]),
      invocationType: z.literal("Event"),
      functionArn: z.string(),
    })
    .optional(),
});

const mail = z.object({
  timestamp: z.iso.datetime().optional(),
  source: z.string().optional(),
  messageId: z.string(),
  destination: z.array(z.string()).optional(),
  headersTruncated: z.boolean().optional(),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  commonHeaders: z
    .object({
      from: z.array(z.string()).optional(),
      to: z.array(z.string()).optional(),
      cc: z.array(z.string()).optional(),
      bcc: z.array(z.string()).optional(),
      sender: z.array(z.string()).optional(),
      "reply-to": z.array(z.string()).optional(),
      returnPath: z.string().optional(),
      messageId: z.string().optional(),
      date: z.string().optional(),
      subject: z.string().optional(),
    })
    .optional(),
});

export const InboundSesRecordSchema = z.object({
  eventSource: z.literal("aws:ses"),
  eventVersion: z.string().optional(),
  ses: z.object({ mail, receipt }),
});
export const InboundSesEventSchema = z.object({ Records: z.array(InboundSesRecordSchema).min(1) });
export type InboundSesEvent = z.infer<typeof InboundSesEventSchema>;
