import { readFileSync } from "node:fs";
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

interface JsonSchema {
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  [key: string]: unknown;
}

function withoutRequired(schema: JsonSchema): JsonSchema {
  const { required: _, properties, items, ...rest } = schema;
  return {
    ...rest,
    ...(properties
      ? {
          properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, withoutRequired(v)])),
        }
      : {}),
    ...(items ? { items: withoutRequired(items) } : {}),
  };
}

/** Dotted paths of required properties (array items are named as their array). */
function requiredPaths(schema: JsonSchema, prefix = ""): string[] {
  const paths = (schema.required ?? []).map((field) => `${prefix}${field}`);
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    paths.push(...requiredPaths(value.items ?? value, `${prefix}${key}.`));
  }
  return paths;
}

function withoutDmarcPolicy<T>(value: T): T {
  const copy = structuredClone(value) as typeof record;
  delete (copy.ses.receipt as { dmarcPolicy?: string }).dmarcPolicy;
  return copy as T;
}

describe("the inbound SES schema", () => {
  it("has Powertools' SES record fields and types, and requires only what the handler reads", () => {
    const ours = z.toJSONSchema(InboundSesRecordSchema) as JsonSchema;
    const theirs = z.toJSONSchema(SesRecordSchema) as unknown as JsonSchema;
    expect(withoutRequired(ours)).toEqual(withoutRequired(theirs));
    expect(requiredPaths(ours).sort()).toEqual(
      [
        "eventSource",
        "ses",
        "ses.mail",
        "ses.mail.messageId",
        "ses.receipt",
        "ses.receipt.dkimVerdict",
        "ses.receipt.dkimVerdict.status",
        "ses.receipt.dmarcVerdict",
        "ses.receipt.dmarcVerdict.status",
        "ses.receipt.spamVerdict",
        "ses.receipt.spamVerdict.status",
        "ses.receipt.spfVerdict",
        "ses.receipt.spfVerdict.status",
        "ses.receipt.virusVerdict",
        "ses.receipt.virusVerdict.status",
        "ses.receipt.action.type",
        "ses.receipt.action.invocationType",
        "ses.receipt.action.functionArn",
        "ses.mail.headers.name",
        "ses.mail.headers.value",
      ].sort(),
    );
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

/** AWS's published SES receipt sample (test/data/aws-events/SOURCE.md). */
const published = JSON.parse(
  readFileSync(new URL("../data/aws-events/ses-receipt.json", import.meta.url), "utf8"),
) as { Records: (typeof record)[] };
const firstRecord = (event: typeof published) => {
  const first = event.Records[0];
  if (!first) throw new Error("the sample has no record");
  return first;
};

describe("the inbound SES schema, against what SES may send (issue 15, finding 11)", () => {
  it("accepts AWS's published receipt sample", () => {
    expect(InboundSesEventSchema.safeParse(published).success).toBe(true);
  });

  it("accepts a mail without Subject, Date, To or Return-Path: the handler reads none of them", () => {
    const bare = structuredClone(published);
    const headers = firstRecord(bare).ses.mail.commonHeaders as Record<string, unknown>;
    for (const field of ["subject", "date", "to", "returnPath"]) delete headers[field];
    const result = InboundSesEventSchema.safeParse(bare);
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it("still requires what the handler uses: the message id and the verdicts", () => {
    const noId = structuredClone(published);
    delete (firstRecord(noId).ses.mail as { messageId?: string }).messageId;
    expect(InboundSesEventSchema.safeParse(noId).success).toBe(false);
    const noVerdict = structuredClone(published);
    delete (firstRecord(noVerdict).ses.receipt as { spfVerdict?: unknown }).spfVerdict;
    expect(InboundSesEventSchema.safeParse(noVerdict).success).toBe(false);
  });
});
