import * as z from "zod";
import { CalendarSpecSchema } from "./calendar-spec";

export const LOCALES = ["es", "en"] as const;
export const LocaleSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof LocaleSchema>;

export const TIMER_NAMES = ["eod", "update", "reminder", "confirm-timeout"] as const;
export const TimerNameSchema = z.enum(TIMER_NAMES);
export type TimerName = z.infer<typeof TimerNameSchema>;

const instant = z.iso.datetime({ offset: true });

/**
 * A client's text as the ticket keeps it: at most 100,000 bytes of UTF-8 (the mail layer cuts
 * to that), so the ticket and the messages that quote it fit a DynamoDB item (400 KB).
 */
export const CLIENT_TEXT_MAX_BYTES = 100_000;
const encoder = new TextEncoder();
const clientText = z
  .string()
  .max(CLIENT_TEXT_MAX_BYTES)
  .refine(
    (value) =>
      value.length * 3 <= CLIENT_TEXT_MAX_BYTES || encoder.encode(value).length <= CLIENT_TEXT_MAX_BYTES,
    {
      message: `must be at most ${CLIENT_TEXT_MAX_BYTES.toLocaleString("en")} bytes in UTF-8`,
    },
  )
  .default("");
const text = z.string().trim().min(1).max(20_000);

/** An ETA: an ISO instant with offset, or a local "YYYY-MM-DD HH:mm" read in the ticket's time zone. */
export const EtaSchema = z
  .string()
  .trim()
  .refine(
    (value) =>
      instant.safeParse(value).success || /^\d{4}-\d{2}-\d{2}[ T]([01]\d|2[0-3]):[0-5]\d$/.test(value),
    "must be an ISO date-time or 'YYYY-MM-DD HH:mm'",
  );

export const PersonSchema = z.object({
  address: z.email(),
  name: z.string().trim().max(200).optional(),
});
export type Person = z.infer<typeof PersonSchema>;

/** Technicians and API callers may be named by address alone. */
const actor = z.preprocess((value) => (typeof value === "string" ? { address: value } : value), PersonSchema);

const base = {
  /** Unique per event; the same id applied twice takes effect once. */
  id: z.string().trim().min(1).max(300),
  ticketId: z.string().regex(/^T-\d+$/, "must look like T-1042"),
  /** When the event happened, as recorded by whoever produced it (informational). */
  at: instant.optional(),
};

/**
 * Where the raw mail an event came from is kept (an S3 or file reference): its timeline entry
 * records it, so forgetting the client erases the mail too. Events from the API have none.
 */
const mailBorn = { rawRef: z.string().trim().min(1).max(1_000).optional() };

const technician = { ...base, ...mailBorn, actor };
/**
 * The attachments of a client mail, kept apart from the raw mail (mail/attachments.ts states the
 * limits): `ref` says where; one without `ref` was not kept (`notKept` says why) and is in the raw mail.
 */
export const AttachmentMetaSchema = z.object({
  name: z.string().trim().min(1).max(200),
  contentType: z.string().max(200),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  ref: z.string().max(1_000).optional(),
  notKept: z.string().max(500).optional(),
});
export type AttachmentMeta = z.infer<typeof AttachmentMetaSchema>;
const attachments = z.array(AttachmentMetaSchema).max(20).optional();

/**
 * Whether SES authenticated the mail's From domain (DMARC PASS or aligned DKIM). When false, the
 * From may be anyone's, so nothing the sender wrote is mailed back to it (DESIGN §7). Absent: not
 * known (the API, the local runtime without verdicts), treated as authenticated.
 */
const senderAuthenticated = z.boolean().optional();

export const ClientNewSchema = z.object({
  ...base,
  ...mailBorn,
  type: z.literal("client-new"),
  from: PersonSchema,
  subject: z.string().trim().max(998).default(""),
  text: clientText,
  locale: LocaleSchema.optional(),
  calendar: CalendarSpecSchema.optional(),
  messageId: z.string().optional(),
  /** The addresses the client copied on the opening mail (To/Cc, not support, not technicians). */
  cc: z.array(PersonSchema).max(50).optional(),
  authenticated: senderAuthenticated,
  attachments,
});

export const ClientReplySchema = z.object({
  ...base,
  ...mailBorn,
  type: z.literal("client-reply"),
  from: PersonSchema,
  text: clientText,
  /** What the client says about a resolution, when the mail layer could tell. */
  intent: z.enum(["confirm", "still-broken", "other"]).default("other"),
  messageId: z.string().optional(),
  authenticated: senderAuthenticated,
  attachments,
});

export const ClientConfirmSchema = z.object({ ...base, type: z.literal("confirm"), actor: actor.optional() });

export const ReopenSchema = z.object({
  ...base,
  type: z.literal("reopen"),
  actor: actor.optional(),
  text: z.string().max(20_000).optional(),
});

export const FeedbackSchema = z.object({
  ...base,
  type: z.literal("feedback"),
  rating: z.number().int().min(1).max(5),
  comment: z.string().trim().max(5_000).optional(),
  idea: z.string().trim().max(5_000).optional(),
});

export const SummarySchema = z.object({ ...technician, type: z.literal("summary"), text });
export const DiagnosisSchema = z.object({ ...technician, type: z.literal("diagnosis"), text });
export const PlanSchema = z.object({
  ...technician,
  type: z.literal("plan"),
  text,
  eta: EtaSchema.optional(),
  alternatives: z.string().trim().max(5_000).optional(),
});
export const PlanChangeSchema = z.object({
  ...technician,
  type: z.literal("change"),
  /** What changed and why. */
  text,
  eta: EtaSchema.optional(),
  alternatives: z.string().trim().max(5_000).optional(),
});
export const ProgressSchema = z.object({ ...technician, type: z.literal("update"), text });
export const EscalationSchema = z.object({
  ...technician,
  type: z.literal("escalate"),
  escalatedTo: z.string().trim().min(1).max(300),
  /** Why, and what it means for the client. */
  text,
});
export const ResolutionSchema = z
  .object({
    ...technician,
    type: z.literal("resolve"),
    cause: z.string().trim().max(10_000).optional(),
    fix: z.string().trim().max(10_000).optional(),
    text: z.string().trim().max(20_000).optional(),
  })
  .refine((event) => Boolean(event.fix || event.text), { message: "needs fix or text", path: ["fix"] });
export const NoteSchema = z.object({ ...technician, type: z.literal("note"), text });
/** A technician adds participants to a ticket, or removes copied ones (#cc / #copia). */
export const ParticipantsSchema = z
  .object({
    ...technician,
    type: z.literal("cc"),
    add: z.array(z.email()).max(50).default([]),
    remove: z.array(z.email()).max(50).default([]),
  })
  .refine((event) => event.add.length + event.remove.length > 0, {
    message: "needs an address to add or remove",
    path: ["add"],
  });
/**
 * Someone who is not a participant wrote in a ticket's thread (token, References or subject tag).
 * Their mail opened their own ticket; this one only tells its technicians.
 */
export const ThirdPartySchema = z.object({
  ...base,
  type: z.literal("third-party"),
  from: PersonSchema,
  /** Their own words only, never what they quote. */
  text: z.string().max(20_000).default(""),
  /** The ticket their mail opened. */
  openedTicketId: z
    .string()
    .regex(/^T-\d+$/)
    .optional(),
  threadedBy: z.enum(["token", "references", "subject"]).optional(),
});
/** A technician's own words to the client; the files of their mail go with it (attachments out). */
export const PersonalReplySchema = z.object({ ...technician, type: z.literal("reply"), text, attachments });
/** #send / #enviar: the messages the tone coach held on this ticket go to the client as written. */
export const SendHeldSchema = z.object({
  ...technician,
  type: z.literal("send-held"),
  /** Whatever the technician wrote below the command: ignored, the held messages go as written. */
  text: z.string().max(20_000).optional(),
});
/** A technician's mail that could not be understood; reported back to them, never to the client. */
export const CommandErrorSchema = z.object({
  ...technician,
  type: z.literal("command-error"),
  reason: z.string().max(2_000),
  text: z.string().max(20_000).default(""),
});

/** Mail to the client bounced or was reported as spam: technicians must reach them another way. */
export const DeliveryFailedSchema = z.object({
  ...base,
  type: z.literal("delivery-failed"),
  address: z.email(),
  reason: z.string().max(2_000),
});

export const TimerFiredSchema = z.object({
  ...base,
  type: z.literal("timer"),
  name: TimerNameSchema,
  /** The instant the timer was armed for; a timer whose instant no longer matches is stale. */
  dueAt: instant,
});

export const TicketEventSchema = z.discriminatedUnion("type", [
  ClientNewSchema,
  ClientReplySchema,
  ClientConfirmSchema,
  ReopenSchema,
  FeedbackSchema,
  SummarySchema,
  DiagnosisSchema,
  PlanSchema,
  PlanChangeSchema,
  ProgressSchema,
  EscalationSchema,
  ResolutionSchema,
  NoteSchema,
  ParticipantsSchema,
  ThirdPartySchema,
  PersonalReplySchema,
  SendHeldSchema,
  CommandErrorSchema,
  DeliveryFailedSchema,
  TimerFiredSchema,
]);

export type TicketEvent = z.infer<typeof TicketEventSchema>;
export type TicketEventInput = z.input<typeof TicketEventSchema>;
export type EventType = TicketEvent["type"];
export type TechnicianEvent = Extract<TicketEvent, { actor: Person }>;

const TECHNICIAN_EVENTS: ReadonlySet<string> = new Set<EventType>([
  "summary",
  "diagnosis",
  "plan",
  "change",
  "update",
  "escalate",
  "resolve",
  "note",
  "reply",
]);

/** Events that make their actor the ticket's technician. */
export function isTechnicianEvent(type: string): boolean {
  return TECHNICIAN_EVENTS.has(type);
}

/** Other names people use for the same event types (mail-command words, Spanish, nouns). */
export const EVENT_TYPE_ALIASES: Readonly<Record<string, EventType>> = {
  resumen: "summary",
  diagnostico: "diagnosis",
  diagnóstico: "diagnosis",
  diagnose: "diagnosis",
  "plan-change": "change",
  cambio: "change",
  progress: "update",
  avance: "update",
  escalation: "escalate",
  escalado: "escalate",
  escalar: "escalate",
  resolution: "resolve",
  resolved: "resolve",
  resuelto: "resolve",
  nota: "note",
  copia: "cc",
  participants: "cc",
  respuesta: "reply",
  send: "send-held",
  enviar: "send-held",
  confirmation: "confirm",
  confirmar: "confirm",
  reabrir: "reopen",
};

export class EventValidationError extends Error {
  constructor(
    readonly issues: { path: string; message: string }[],
    readonly input: unknown,
  ) {
    super(
      `invalid event: ${issues.map((issue) => `${issue.path || "(event)"}: ${issue.message}`).join("; ")}`,
    );
    this.name = "EventValidationError";
  }
}

/** Validates untrusted input into an event; the error names every wrong field. */
export function parseEvent(input: unknown): TicketEvent {
  const normalized =
    input && typeof input === "object" && "type" in input && typeof input.type === "string"
      ? { ...input, type: EVENT_TYPE_ALIASES[input.type.toLowerCase()] ?? input.type.toLowerCase() }
      : input;
  const result = TicketEventSchema.safeParse(normalized);
  if (result.success) return result.data;
  throw new EventValidationError(
    result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    input,
  );
}
