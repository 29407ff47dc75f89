import * as z from "zod";
import { type CalendarSpec, CalendarSpecSchema } from "./calendar-spec";
import { type Locale, LocaleSchema, type Person, type TicketEvent, type TimerName } from "./events";

export type TicketStatus = "open" | "resolved" | "closed";

/** A ticket as stored: plain JSON, one DynamoDB item. Instants are ISO strings. */
export interface Ticket {
  id: string;
  version: number;
  status: TicketStatus;
  subject: string;
  request: string;
  client: Person & { locale: Locale; calendar: CalendarSpec };
  openedAt: string;
  technician?: Person;
  /**
   * Who else steers the ticket by mail besides its client and the technicians (DESIGN §7): the
   * addresses the client copied on the opening mail, and those a technician added with #cc
   * (lower-case). Tickets stored before participants existed have none.
   */
  copied?: string[];
  /**
   * Whether the opening mail's From domain authenticated. False: client mail echoes nothing the
   * sender wrote, neither the request nor its subject (DESIGN §7). Absent: not known, as true.
   */
  clientAuthenticated?: boolean;
  summary?: string;
  diagnosis?: { text: string; at: string };
  plan?: { text: string; eta?: string; alternatives?: string; at: string };
  escalations: { to: string; why: string; at: string }[];
  resolution?: { cause?: string; fix: string; at: string };
  feedback?: { rating: number; comment?: string; idea?: string; at: string };
  /** Progress recorded by technicians since the last client message: the next digest. */
  progress: { text: string; at: string }[];
  lastClientMessageAt: string;
  /** The business day (local date) by whose end the client hears about a missing diagnosis. */
  endOfDayNoticeDate: string;
  /** Armed timers and the instant each is due; a firing whose instant differs is stale. */
  timers: Partial<Record<TimerName, string>>;
  counters: { clientMessages: number; reopenings: number; escalations: number; planChanges: number };
  closedAt?: string;
  /** Ids of recently applied events, so a redelivered event takes effect once. */
  seenEventIds: string[];
  /**
   * Client-bound commands the tone coach held (at most one per event type, in the order written):
   * not applied, nothing of them told to the client, until #send or a new command of the same type.
   */
  held?: HeldMessage[];
}

/** The event types whose text goes to the client, and so is coached. */
export const COACHED_EVENT_TYPES = [
  "diagnosis",
  "plan",
  "change",
  "update",
  "escalate",
  "resolve",
  "reply",
] as const;
export type CoachedEvent = Extract<TicketEvent, { type: (typeof COACHED_EVENT_TYPES)[number] }>;

/** What the coach found in one phrase, as the technician's mail shows it. */
export interface CoachNote {
  phrase: string;
  rule: "promise" | "date" | "negative";
  /** The principle, one line, in the technicians' language. */
  why: string;
  /** A rewording, in the client's language. */
  suggestion: string;
}

export interface HeldMessage {
  /** The command exactly as it arrived: #send applies it as if it arrived then. */
  event: CoachedEvent;
  flags: CoachNote[];
  at: string;
}

export const CLIENT_TEMPLATES = [
  "acknowledgement",
  "understanding",
  "diagnosis",
  "end-of-day",
  "plan",
  "plan-change",
  "daily-update",
  "still-on-it",
  "escalation",
  "resolution",
  "closure",
  "reopened",
  "feedback-thanks",
  "personal-reply",
] as const;
export type ClientTemplate = (typeof CLIENT_TEMPLATES)[number];

export const STAFF_TEMPLATES = [
  "new-ticket",
  "reminder",
  "call-task",
  "command-error",
  "client-replied",
  "ticket-reopened",
  "escalation-copy",
  "low-rating",
  "delivery-failed",
  "weekly-report",
  "third-party",
  "coach",
] as const;
export type StaffTemplate = (typeof STAFF_TEMPLATES)[number];

/** What the support lead reads every Monday: the week's figures and who needs attention. */
export interface WeeklyReport {
  /** The week, as local dates in the lead's time zone (the day before `to` is the last one). */
  from: string;
  to: string;
  opened: number;
  resolved: number;
  open: number;
  overdue: number;
  averageDiagnosisHours?: number;
  averageResolutionHours?: number;
  escalations: number;
  reopenings: number;
  ratings: number;
  averageRating?: number;
  longestSilences: { ticketId: string; client: string; subject: string; hours: number; overdue: boolean }[];
  lowestRatings: { ticketId: string; rating: number; stars: string; comment?: string }[];
  ideas: { ticketId: string; idea: string }[];
}

/** Everything a template may show. Dates appear only as `eta`/`previousEta`, entered by a technician. */
export interface MessageData {
  ticketId: string;
  subject: string;
  clientName?: string;
  technicianName?: string;
  request?: string;
  text?: string;
  summary?: string;
  diagnosis?: string;
  eta?: string;
  previousEta?: string;
  forecastMoved?: boolean;
  alternatives?: string;
  escalatedTo?: string;
  cause?: string;
  fix?: string;
  progress?: string[];
  plan?: string;
  afterHours?: boolean;
  askFeedback?: boolean;
  closedBecause?: "confirmed" | "no-reply";
  rating?: number;
  comment?: string;
  idea?: string;
  reason?: string;
  clientAddress?: string;
  /** A staff-only instant (e.g. when the client expects the next update): never in client mail. */
  dueAt?: string;
  /** The support lead's weekly report (staff-weekly-report only). */
  report?: WeeklyReport;
  /** The tone coach's notes on a held text (staff-coach only). */
  coach?: CoachNote[];
  /** Resolved tickets most like a new request, added when its notice is sent (staff-new-ticket only). */
  similar?: { code: string; subject: string; cause: string; fix: string }[];
  /** The command a staff mail is about, as the technician writes it ("#plan", "#diagnostico"). */
  command?: string;
  /** The held text replaces one held before for the same command (staff-coach only). */
  replaced?: boolean;
  /**
   * A client mail's attachments (staff-new-ticket, staff-client-replied): `ref`/`sha256` from the
   * event, `url` made when the notice is sent (app/attachments.ts attachmentLinksFor).
   */
  attachments?: {
    name: string;
    contentType: string;
    size: number;
    sizeLabel?: string;
    sha256?: string;
    ref?: string;
    url?: string;
    notKept?: string;
  }[];
}

export type Effect =
  | {
      id: string;
      kind: "send-client";
      template: ClientTemplate;
      to: Person;
      locale: Locale;
      /** Automatic messages carry Auto-Submitted; a technician's personal reply does not. */
      automatic: boolean;
      data: MessageData;
    }
  | {
      id: string;
      kind: "notify";
      audience: "technicians" | "technician" | "account-manager" | "lead";
      to?: Person;
      template: StaffTemplate;
      data: MessageData;
    }
  | { id: string; kind: "set-timer"; name: TimerName; at: string }
  | { id: string; kind: "cancel-timer"; name: TimerName }
  | {
      id: string;
      kind: "call-task";
      reason: "escalation" | "long-resolution";
      technician?: Person;
      data: MessageData;
    }
  | { id: string; kind: "record-feedback"; rating: number; comment?: string; idea?: string };

export type EffectKind = Effect["kind"];

/**
 * Whether `address` is the ticket's client or one of the addresses copied on it. Technicians are
 * participants too, but only when their mail is authenticated: the caller knows that, not the ticket.
 */
export function isClientOrCopied(ticket: Pick<Ticket, "client" | "copied">, address: string): boolean {
  const wanted = address.toLowerCase();
  return ticket.client.address.toLowerCase() === wanted || (ticket.copied ?? []).includes(wanted);
}

/** Lower-case, unique addresses other than the client's. */
export function copiedAddresses(client: string, people: Person[] | undefined): string[] {
  const own = client.toLowerCase();
  const addresses = (people ?? []).map((p) => p.address.toLowerCase()).filter((a) => a !== own);
  return [...new Set(addresses)];
}

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time like 10:00");

export const PolicySettingsSchema = z.object({
  /** Local time of the daily progress update (moved earlier when needed to keep the silence limit). */
  updateTime: clock.default("10:00"),
  /** Business hours before the daily update at which the technician is reminded. */
  reminderLeadHours: z.number().min(0).max(24).default(2),
  /** How long before closing time the "no diagnosis yet" notice goes out. */
  endOfDayLeadMinutes: z.number().int().min(0).max(240).default(30),
  /** A ticket opened later than this before the notice time gets its notice the next business day. */
  endOfDayMinimumMinutes: z.number().int().min(0).max(480).default(60),
  /** Business days without a client answer after which a resolved ticket is closed. */
  confirmationBusinessDays: z.number().int().min(1).max(30).default(3),
  /** Ratings at or below this alert the support lead. */
  lowRatingThreshold: z.number().int().min(1).max(5).default(2),
  defaultLocale: LocaleSchema.default("en"),
  defaultCalendar: CalendarSpecSchema.default({
    timeZone: "Europe/Madrid",
    workdays: [1, 2, 3, 4, 5],
    hours: { start: "09:00", end: "18:00" },
    holidays: { country: "ES", dates: [] },
  }),
  seenEventLimit: z.number().int().min(10).max(10_000).default(200),
  /** The tone coach (issue 17): a technician's client-bound text it flags is held until #send. Off: sent at once. */
  coach: z.boolean().default(true),
});

export type PolicySettings = z.infer<typeof PolicySettingsSchema>;
export type PolicySettingsInput = z.input<typeof PolicySettingsSchema>;

export function policySettings(input: PolicySettingsInput = {}): PolicySettings {
  return PolicySettingsSchema.parse(input);
}
