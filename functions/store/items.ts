/**
 * The shape of every item read back from the table. Reads parse with these, so a malformed or
 * foreign item fails loudly where it is read instead of somewhere downstream.
 */
import * as z from "zod";
import type { EffectResult } from "../app/effect-result";
import type { FeedbackEntry, OutboxItem, QuarantineEntry, TimelineEntry } from "../app/ports";
import { LocaleSchema, TimerNameSchema } from "../core/events";
import {
  COACHED_EVENT_TYPES,
  type CoachedEvent,
  type Effect,
  type MessageData,
  type Ticket,
} from "../core/model";

/**
 * Builds a schema when the module loads. Marked free of side effects, so the bundler leaves out the
 * schemas a function never reads: each Lambda carries only the item shapes of its own families.
 */
/* #__NO_SIDE_EFFECTS__ */
function schema<T>(make: () => T): T {
  return make();
}

const person = schema(() => z.object({ address: z.string(), name: z.string().optional() }));
const calendar = schema(() =>
  z.object({
    timeZone: z.string(),
    workdays: z.array(z.number()).optional(),
    hours: z.object({ start: z.string(), end: z.string() }).optional(),
    holidays: z
      .object({
        country: z.string().optional(),
        region: z.string().optional(),
        dates: z.array(z.string()).optional(),
      })
      .optional(),
  }),
);
const stamped = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, at: z.string() });
const optionalText = schema(() => z.string().optional());
const coachNote = schema(() =>
  z.object({
    phrase: z.string(),
    rule: z.enum(["promise", "date", "negative"]),
    why: z.string(),
    suggestion: z.string(),
  }),
);

export const TicketSchema: z.ZodType<Ticket> = schema(() =>
  z.object({
    id: z.string(),
    version: z.number(),
    status: z.enum(["open", "resolved", "closed"]),
    subject: z.string(),
    request: z.string(),
    client: person.extend({ locale: LocaleSchema, calendar }),
    openedAt: z.string(),
    technician: person.optional(),
    copied: z.array(z.string()).optional(),
    summary: optionalText,
    diagnosis: stamped({ text: z.string() }).optional(),
    plan: stamped({ text: z.string(), eta: optionalText, alternatives: optionalText }).optional(),
    escalations: z.array(stamped({ to: z.string(), why: z.string() })),
    resolution: stamped({ cause: optionalText, fix: z.string() }).optional(),
    feedback: stamped({ rating: z.number(), comment: optionalText, idea: optionalText }).optional(),
    progress: z.array(stamped({ text: z.string() })),
    lastClientMessageAt: z.string(),
    endOfDayNoticeDate: z.string(),
    timers: z.object({
      eod: optionalText,
      update: optionalText,
      reminder: optionalText,
      "confirm-timeout": optionalText,
    }) satisfies z.ZodType<Ticket["timers"]>,
    counters: z.object({
      clientMessages: z.number(),
      reopenings: z.number(),
      escalations: z.number(),
      planChanges: z.number(),
    }),
    closedAt: optionalText,
    seenEventIds: z.array(z.string()),
    clientAuthenticated: z.boolean().optional(),
    held: z
      .array(
        z.object({
          // The command as it was validated on arrival (core/events.ts), kept whole.
          event: z.custom<CoachedEvent>(
            (value) =>
              z
                .looseObject({
                  type: z.enum(COACHED_EVENT_TYPES),
                  id: z.string(),
                  ticketId: z.string(),
                  actor: person,
                })
                .safeParse(value).success,
            "a held command",
          ),
          flags: z.array(coachNote),
          at: z.string(),
        }),
      )
      .optional(),
  }),
);

const messageData: z.ZodType<MessageData> = schema(() =>
  z.object({
    ticketId: z.string(),
    subject: z.string(),
    clientName: optionalText,
    technicianName: optionalText,
    request: optionalText,
    text: optionalText,
    summary: optionalText,
    diagnosis: optionalText,
    eta: optionalText,
    previousEta: optionalText,
    forecastMoved: z.boolean().optional(),
    alternatives: optionalText,
    escalatedTo: optionalText,
    cause: optionalText,
    fix: optionalText,
    progress: z.array(z.string()).optional(),
    plan: optionalText,
    afterHours: z.boolean().optional(),
    askFeedback: z.boolean().optional(),
    closedBecause: z.enum(["confirmed", "no-reply"]).optional(),
    rating: z.number().optional(),
    comment: optionalText,
    idea: optionalText,
    reason: optionalText,
    clientAddress: optionalText,
    dueAt: optionalText,
    coach: z.array(coachNote).optional(),
    command: optionalText,
    replaced: z.boolean().optional(),
    similar: z
      .array(z.object({ code: z.string(), subject: z.string(), cause: z.string(), fix: z.string() }))
      .optional(),
    attachments: z
      .array(
        z.object({
          name: z.string(),
          contentType: z.string(),
          size: z.number(),
          sizeLabel: optionalText,
          sha256: optionalText,
          ref: optionalText,
          url: optionalText,
          notKept: optionalText,
        }),
      )
      .optional(),
  }),
);

const id = schema(() => z.string());
export const EffectSchema: z.ZodType<Effect> = schema(() =>
  z.discriminatedUnion("kind", [
    z.object({
      id,
      kind: z.literal("send-client"),
      // The policy's template names; the renderer refuses one it does not know.
      template: z.string() as z.ZodType<Extract<Effect, { kind: "send-client" }>["template"]>,
      to: person,
      locale: LocaleSchema,
      automatic: z.boolean(),
      data: messageData,
    }),
    z.object({
      id,
      kind: z.literal("notify"),
      audience: z.enum(["technicians", "technician", "account-manager", "lead"]),
      to: person.optional(),
      template: z.string() as z.ZodType<Extract<Effect, { kind: "notify" }>["template"]>,
      data: messageData,
    }),
    z.object({ id, kind: z.literal("set-timer"), name: TimerNameSchema, at: z.string() }),
    z.object({ id, kind: z.literal("cancel-timer"), name: TimerNameSchema }),
    z.object({
      id,
      kind: z.literal("call-task"),
      reason: z.enum(["escalation", "long-resolution"]),
      technician: person.optional(),
      data: messageData,
    }),
    z.object({
      id,
      kind: z.literal("record-feedback"),
      rating: z.number(),
      comment: optionalText,
      idea: optionalText,
    }),
  ]),
);

const skipped = schema(() =>
  z.object({
    address: z.string(),
    why: z.enum(["flagged", "loop-cap"]),
    detail: optionalText,
  }),
);
export const EffectResultSchema: z.ZodType<EffectResult> = schema(() =>
  z.discriminatedUnion("outcome", [
    z.object({
      outcome: z.literal("sent"),
      messageId: z.string(),
      skipped: z.array(skipped).optional(),
      confirmedByLedger: z.literal(true).optional(),
    }),
    z.object({ outcome: z.literal("suppressed"), skipped: z.array(skipped) }),
    z.object({ outcome: z.literal("no-recipient"), audience: z.string() }),
    z.object({ outcome: z.literal("superseded"), timer: z.string(), armed: optionalText }),
    z.object({ outcome: z.literal("timer-set"), timer: z.string(), at: z.string() }),
    z.object({ outcome: z.literal("timer-cancelled"), timer: z.string() }),
    z.object({ outcome: z.literal("feedback-recorded") }),
    z.object({
      outcome: z.literal("failed"),
      error: z.string(),
      attempts: z.number(),
      transient: z.literal(true).optional(),
      notice: optionalText,
      noticeError: optionalText,
    }),
  ]),
);

export const OutboxItemSchema: z.ZodType<OutboxItem> = schema(() =>
  z.object({
    ticketId: z.string(),
    effect: EffectSchema,
    status: z.enum(["pending", "sending", "done"]),
    claimedAt: optionalText,
    createdAt: z.string(),
    doneAt: optionalText,
    result: EffectResultSchema.optional(),
    attempts: z.number().optional(),
    lastError: optionalText,
  }),
);

export const TimelineItemSchema = schema(() =>
  z.object({
    entry: z.object({
      at: z.string(),
      kind: z.enum(["event", "effect", "mail-in", "quarantine"]),
      type: z.string(),
      summary: z.string(),
      data: z.looseObject({}).optional(),
    }) satisfies z.ZodType<TimelineEntry>,
  }),
);

export const TicketItemSchema = schema(() => z.object({ ticket: TicketSchema }));
export const ThreadItemSchema = schema(() =>
  z.object({ ids: z.array(z.string()).default([]), lastSentAt: optionalText }),
);
export const MessageItemSchema = schema(() => z.object({ ticketId: optionalText }));
export const SentItemSchema = schema(() => z.object({ messageId: z.string() }));
export const CounterItemSchema = schema(() =>
  z.object({ count: z.number().default(0), lastAt: optionalText }),
);
export const FlagItemSchema = schema(() =>
  z.object({ reason: z.string(), at: z.string().default(""), until: optionalText }),
);

export const QuarantineItemSchema: z.ZodType<QuarantineEntry> = schema(() =>
  z.object({
    at: z.string(),
    id: z.string(),
    kind: z.string(),
    reason: z.string(),
    rawRef: z.string(),
    from: optionalText,
    subject: optionalText,
    ticketId: optionalText,
    status: z.enum(["released", "discarded"]).optional(),
    settledAt: optionalText,
    outcome: optionalText,
  }),
);

export const FeedbackItemSchema: z.ZodType<FeedbackEntry> = schema(() =>
  z.object({
    ticketId: z.string(),
    rating: z.number(),
    comment: optionalText,
    idea: optionalText,
    at: z.string(),
  }),
);

/** Parses one item read back, naming the item when it does not fit. */
export function parseItem<T>(schema: z.ZodType<T>, item: unknown, what: string): T {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "(item)"}: ${i.message}`);
  throw new Error(`stored ${what} is malformed: ${issues.join("; ")}`);
}
