import * as z from "zod";
import { CalendarSpecSchema } from "./core/calendar-spec";
import { LocaleSchema } from "./core/events";
import { PolicySettingsSchema } from "./core/model";

/** See `closedTicketRetentionDays`. */
export const DEFAULT_CLOSED_TICKET_RETENTION_DAYS = 400;

/**
 * Every setting of an aviso installation, validated in one place with a clear error per field. No
 * address, technician or secret has a default here: the local runtime's development values live in
 * infra/local/defaults.ts, so a deployment cannot inherit them by omission.
 */
export const AvisoConfigSchema = z.object({
  supportAddress: z.email(),
  /** Display name on client mail. */
  supportName: z.string().min(1).default("Soporte · Support"),
  technicians: z
    .array(z.object({ address: z.email(), name: z.string().optional() }))
    .min(1, "name at least one technician"),
  accountManager: z.email().optional(),
  supportLead: z.email().optional(),
  /** Secret for the signed ticket tokens in reply addresses. */
  tokenSecret: z
    .string({ error: "missing: the secret that signs reply addresses and links" })
    .min(16, "must be at least 16 characters"),
  technicianTimeZone: z.string().default("Europe/Madrid"),
  defaultLocale: LocaleSchema.default("es"),
  defaultCalendar: CalendarSpecSchema.optional(),
  policy: PolicySettingsSchema.partial().default({}),
  /** Local runtime only: technicians on the allow-list need no SPF/DKIM evidence. */
  trustLocalTechnicians: z.boolean().default(false),
  /**
   * Automatic mails aviso sends in ten minutes, all addresses together, beyond which it holds the rest
   * (a storm guard for the sending reputation; SES's own default rate is 14 per second).
   */
  maxAutomaticMailsPer10Minutes: z.number().int().min(1).default(6000),
  /**
   * Inbound mail in ten minutes, all senders together, beyond which mail is kept and held in
   * quarantine ("rate-limited", releasable) instead of acted on, and the InboundCapped alarm fires.
   * 300 is 30 a minute, 43,200 a day: far above what a support mailbox receives from people (the
   * per-sender cap is 20 in ten minutes), well below a flood from many forged senders that would
   * open tickets and send acknowledgements by the thousand.
   */
  maxInboundMailsPer10Minutes: z.number().int().min(1).default(300),
  /**
   * Days a closed ticket is kept before the table expires it (DESIGN §7, forgetting). 400 days, like
   * the raw mail: a year of history for the weekly and yearly reports and for a client who writes
   * again about the same fault, plus a month's margin; ops set less where policy asks for it.
   */
  closedTicketRetentionDays: z.number().int().min(1).default(DEFAULT_CLOSED_TICKET_RETENTION_DAYS),
  /** Public base URL of the feedback endpoint (links in the resolution mail). */
  feedbackUrl: z.url(),
  /**
   * Public base URL of the clients' status pages (`<statusUrl>/T-1042?exp=…&sig=…`, linked from every
   * client mail). Unset: the feedback URL's with /status for /feedback, the same API's route.
   */
  statusUrl: z.url().optional(),
});

export type AvisoConfig = z.infer<typeof AvisoConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid aviso configuration:\n  ${issues.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(input: unknown): AvisoConfig {
  const result = AvisoConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`));
}

/** Configuration from AVISO_CONFIG (JSON) and single AVISO_* variables, over the defaults. */
export function configFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, unknown> = {},
): AvisoConfig {
  let fromJson: Record<string, unknown> = {};
  if (env.AVISO_CONFIG) {
    try {
      fromJson = JSON.parse(env.AVISO_CONFIG);
    } catch (error) {
      throw new ConfigError([`AVISO_CONFIG: not valid JSON (${(error as Error).message})`]);
    }
  }
  const single: Record<string, unknown> = {};
  if (env.AVISO_SUPPORT_ADDRESS) single.supportAddress = env.AVISO_SUPPORT_ADDRESS;
  if (env.AVISO_TECHNICIANS) {
    single.technicians = env.AVISO_TECHNICIANS.split(",").map((address) => ({ address: address.trim() }));
  }
  if (env.AVISO_TOKEN_SECRET) single.tokenSecret = env.AVISO_TOKEN_SECRET;
  if (env.AVISO_DEFAULT_LOCALE) single.defaultLocale = env.AVISO_DEFAULT_LOCALE;
  if (env.AVISO_TECHNICIAN_TIME_ZONE) single.technicianTimeZone = env.AVISO_TECHNICIAN_TIME_ZONE;
  return loadConfig({ ...fromJson, ...single, ...overrides });
}
