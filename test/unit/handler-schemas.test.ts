import { SesRecordSchema } from "@aws-lambda-powertools/parser/schemas/ses";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { InboundSesEventSchema, InboundSesRecordSchema } from "../../functions/handlers/schemas";

const record = {
  eventSource: "aws:ses",
  eventVersion: "1.0",
  ses: {
    mail: {
      timestamp: "2026-11-23T09:00:00.000Z",
      source: "ana@cliente.es",
      messageId: "o3vrnil0e2ic28tr",
      destination: ["soporte@aviso.example"],
      headersTruncated: false,
      headers: [{ name: "Subject", value: "La impresora no imprime" }],
      commonHeaders: {
        from: ["Ana <ana@cliente.es>"],
        to: ["soporte@aviso.example"],
        returnPath: "ana@cliente.es",
        messageId: "<a1@cliente.es>",
        date: "Mon, 23 Nov 2026 10:00:00 +0100",
        subject: "La impresora no imprime",
      },
    },
    receipt: {
      timestamp: "2026-11-23T09:00:00.000Z",
      processingTimeMillis: 574,
      recipients: ["soporte@aviso.example"],
      spamVerdict: { status: "PASS" },
      virusVerdict: { status: "PASS" },
      spfVerdict: { status: "PASS" },
      dmarcVerdict: { status: "GRAY" },
      dkimVerdict: { status: "PASS" },
      dmarcPolicy: "none",
      action: {
        type: "Lambda",
        invocationType: "Event",
        functionArn: "arn:aws:lambda:eu-west-1:1:function:x",
      },
    },
  },
};

function withoutDmarcPolicy<T>(value: T): T {
  const copy = structuredClone(value) as typeof record;
  delete (copy.ses.receipt as { dmarcPolicy?: string }).dmarcPolicy;
  return copy as T;
}

describe("the inbound SES schema", () => {
  it("is Powertools' SES record schema with dmarcPolicy made optional, and nothing else changed", () => {
    const ours = z.toJSONSchema(InboundSesRecordSchema) as Record<string, unknown>;
    const theirs = z.toJSONSchema(SesRecordSchema) as unknown as {
      properties: { ses: { properties: { receipt: { required: string[] } } } };
    };
    const receipt = theirs.properties.ses.properties.receipt;
    receipt.required = receipt.required.filter((field) => field !== "dmarcPolicy");
    expect(ours).toEqual(theirs);
  });

  it("accepts what Powertools accepts, and a real event without dmarcPolicy that Powertools rejects", () => {
    expect(SesRecordSchema.safeParse(record).success).toBe(true);
    expect(InboundSesRecordSchema.safeParse(record).success).toBe(true);
    const real = withoutDmarcPolicy(record);
    expect(SesRecordSchema.safeParse(real).success).toBe(false);
    expect(InboundSesEventSchema.safeParse({ Records: [real] }).success).toBe(true);
  });

  it("still rejects what Powertools rejects", () => {
    const broken = structuredClone(record);
    broken.ses.receipt.spamVerdict = { status: "MAYBE" };
    expect(SesRecordSchema.safeParse(broken).success).toBe(false);
    expect(InboundSesRecordSchema.safeParse(broken).success).toBe(false);
    expect(InboundSesEventSchema.safeParse({ Records: [] }).success).toBe(false);
  });
});
