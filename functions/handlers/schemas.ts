import * as z from "zod";

/*
 * Powertools' SES record schema (@aws-lambda-powertools/parser/schemas/ses), field for field, except
 * that real SES events can lack dmarcPolicy. It is restated rather than imported because that module
 * writes `import { z } from "zod"`, which esbuild cannot tree-shake: it would put all of zod's 264 KB
 * of locales into the inbound Lambda (colinhacks/zod#6597). test/unit/handler-schemas.test.ts proves
 * the two schemas accept the same events, dmarcPolicy aside.
 */
const verdict = z.object({ status: z.enum(["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"]) });

const receipt = z.object({
  timestamp: z.iso.datetime(),
  processingTimeMillis: z.number().int().positive(),
  recipients: z.array(z.string()),
  spamVerdict: verdict,
  virusVerdict: verdict,
  spfVerdict: verdict,
  dmarcVerdict: verdict,
  dkimVerdict: verdict,
  dmarcPolicy: z.enum(["none", "quarantine", "reject"]).optional(),
  action: z.object({
    type: z.enum(["Lambda"]),
    invocationType: z.literal("Event"),
    functionArn: z.string(),
  }),
});

const mail = z.object({
  timestamp: z.iso.datetime(),
  source: z.string(),
  messageId: z.string(),
  destination: z.array(z.string()),
  headersTruncated: z.boolean(),
  headers: z.array(z.object({ name: z.string(), value: z.string() })),
  commonHeaders: z.object({
    from: z.array(z.string()),
    to: z.array(z.string()),
    cc: z.array(z.string()).optional(),
    bcc: z.array(z.string()).optional(),
    sender: z.array(z.string()).optional(),
    "reply-to": z.array(z.string()).optional(),
    returnPath: z.string(),
    messageId: z.string(),
    date: z.string(),
    subject: z.string(),
  }),
});

export const InboundSesRecordSchema = z.object({
  eventSource: z.literal("aws:ses"),
  eventVersion: z.string(),
  ses: z.object({ mail, receipt }),
});
export const InboundSesEventSchema = z.object({ Records: z.array(InboundSesRecordSchema).min(1) });
export type InboundSesEvent = z.infer<typeof InboundSesEventSchema>;
