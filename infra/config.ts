import { readFileSync } from "node:fs";
import * as z from "zod";
import { AvisoConfigSchema } from "../functions/config";

/** The holiday years when the configuration names none (the span the stack has used since 2026). */
export const DEFAULT_HOLIDAY_YEARS = { first: 2025, last: 2036 };

/** Everything ops set for a deployment: the app configuration plus where it lives. */
export const DeployConfigSchema = AvisoConfigSchema.omit({
  tokenSecret: true,
  trustLocalTechnicians: true,
  feedbackUrl: true,
}).extend({
  /** The mail domain SES receives for; a subdomain dedicated to support is best (support.example.com). */
  domain: z
    .string()
    .regex(
      /^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i,
      "must be a domain name like support.example.com",
    ),
  /** Route 53 hosted zone of the domain: when given, DKIM and MX records are created for you. */
  hostedZone: z.object({ id: z.string().min(1), name: z.string().min(1) }).optional(),
  /** Attach the receipt rule to this existing rule set (only one set per region can be active). */
  existingReceiptRuleSet: z.string().min(1).optional(),
  /** Make aviso's own receipt rule set the active one (replaces whatever set is active). */
  activateReceiptRuleSet: z.boolean().default(false),
  /** Where alarms are mailed. */
  alarmEmail: z.email().optional(),
  /** Days raw mail is kept. */
  rawMailRetentionDays: z.number().int().min(30).max(3650).default(400),
  /**
   * The years whose public holidays the functions know. The synth writes the default calendar's
   * country holidays out as dates for these years (the functions carry no holiday data), and takes
   * the years from here, never from today's date, so the same configuration always synthesizes the
   * same template. After `last`, only `holidays.dates` listed by hand are closed: move the range
   * forward, and deploy, before then.
   */
  holidayYears: z
    .object({ first: z.number().int().min(2000).max(2200), last: z.number().int().min(2000).max(2200) })
    .refine((years) => years.last >= years.first && years.last - years.first <= 50, {
      message: "must be from first to 50 years after it",
      path: ["last"],
    })
    .default(DEFAULT_HOLIDAY_YEARS),
});

export type DeployConfig = z.infer<typeof DeployConfigSchema>;

/**
 * Reads `-c aviso=aviso.json` (a file, relative to the working directory), `-c aviso='{"domain":…}'`
 * (JSON on one line: the CDK CLI cuts a context value at its first newline) or the `aviso` object in
 * cdk.json; a clear error per wrong field.
 */
export function deployConfig(input: unknown): DeployConfig {
  const value = typeof input === "string" ? fromText(input) : input;
  const result = DeployConfigSchema.safeParse(value ?? {});
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  aviso.${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new Error(`invalid deployment configuration (context "aviso"):\n${lines.join("\n")}`);
  }
  if (!result.data.supportAddress.toLowerCase().endsWith(`@${result.data.domain.toLowerCase()}`)) {
    throw new Error(
      `invalid deployment configuration (context "aviso"):\n  aviso.supportAddress: must be an address of aviso.domain (${result.data.domain})`,
    );
  }
  return result.data;
}

/** Inline JSON (it starts with `{`), else the path of a JSON file. */
function fromText(text: string): unknown {
  if (text.trimStart().startsWith("{")) return safeJson(text, `context "aviso"`);
  let content: string;
  try {
    content = readFileSync(text, "utf8");
  } catch (error) {
    throw new Error(
      `context "aviso": cannot read the file ${text} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a JSON file, -c aviso=aviso.json, or JSON on one line`,
    );
  }
  return safeJson(content, `context "aviso": the file ${text}`);
}

function safeJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}
