import Handlebars from "handlebars/runtime";
import type { ClientTemplate, Locale, MessageData, StaffTemplate, WeeklyReport } from "../core";
import { pad2, zonedParts } from "../core/zoned";
import { REPLY_MARKERS } from "./reply-marker";
import { PART_SEPARATOR } from "./template-parts";

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Spec = Parameters<typeof Handlebars.template>[0];
interface LocaleTemplates {
  frames: Record<string, { before: string; after: string }>;
  templates: Record<string, { frame: string; dates: string[]; parts: Spec }>;
}

/** A runtime of our own with only the helpers the templates use: less setup on every render. */
const runtime = Handlebars.create();
for (const unused of ["log", "lookup", "with", "unless"]) runtime.unregisterHelper(unused);

interface Compiled {
  parts: (context: object) => string;
  before: string;
  after: string;
  dates: ("eta" | "previousEta" | "dueAt")[];
}
/**
 * A renderer over one generated template module (templates/generated/*.ts): every message for the
 * outbox, or only the weekly report for the function that sends it, so neither ships the other's.
 */
export function makeRenderer(precompiled: unknown) {
  const cache = new Map<string, Compiled>();
  const compiled = (locale: Locale, name: string): Compiled => {
    const key = `${locale}/${name}`;
    let entry = cache.get(key);
    if (!entry) {
      const set = (precompiled as Record<string, LocaleTemplates>)[locale];
      const template = set?.templates[name];
      if (!set || !template) throw new Error(`no template "${name}" for locale "${locale}"`);
      const frame = set.frames[template.frame] ?? { before: "", after: "" };
      entry = {
        parts: runtime.template(template.parts),
        before: frame.before,
        after: frame.after,
        dates: template.dates as Compiled["dates"],
      };
      cache.set(key, entry);
    }
    return entry;
  };
  return (
    locale: Locale,
    template: ClientTemplate | `staff-${StaffTemplate}`,
    data: MessageData,
    options: RenderOptions,
  ): RenderedMail => renderWith(compiled(locale, template), locale, data, options);
}

export interface RenderOptions {
  /** Time zone in which dates are shown to the reader. */
  timeZone: string;
  feedbackUrl?: string;
  /** The client's signed status page (issue 16), linked from the footer of every client message. */
  statusUrl?: string;
}

/**
 * Renders a message: data is HTML-escaped in the HTML part (Handlebars), dates the technician
 * entered are written out in the reader's language and time zone, and line breaks never reach a subject.
 */
function renderWith(
  render: Compiled,
  locale: Locale,
  data: MessageData,
  options: RenderOptions,
): RenderedMail {
  const context = new RenderContext(data, locale, options);
  for (const field of render.dates) {
    const value = data[field];
    if (value) context[field] = formatInstant(value, locale, options.timeZone);
  }
  const parts = render.parts(context);
  const first = parts.indexOf(PART_SEPARATOR);
  const second = parts.indexOf(PART_SEPARATOR, first + PART_SEPARATOR.length);
  const subject = parts.slice(first + PART_SEPARATOR.length, second);
  const text = parts.slice(second + PART_SEPARATOR.length);
  return {
    subject: (/[\r\n\t]/.test(subject) ? subject.replace(/[\r\n\t]+/g, " ") : subject).trim().slice(0, 250),
    html: render.before + parts.slice(0, first) + render.after,
    text: text.includes("\n\n\n") ? text.replace(/\n{3,}/g, "\n\n").trim() : text.trim(),
  };
}

/**
 * What templates see. A class filled field by field keeps one object shape for every render,
 * several times cheaper for the engine than spreading the data into a new object.
 */
class RenderContext {
  ticketId: string;
  subject: string;
  clientName: string | undefined;
  technicianName: string | undefined;
  request: string | undefined;
  text: string | undefined;
  summary: string | undefined;
  diagnosis: string | undefined;
  eta: string | undefined = undefined;
  previousEta: string | undefined = undefined;
  dueAt: string | undefined = undefined;
  forecastMoved: boolean | undefined;
  alternatives: string | undefined;
  escalatedTo: string | undefined;
  cause: string | undefined;
  fix: string | undefined;
  progress: string[] | undefined;
  plan: string | undefined;
  afterHours: boolean | undefined;
  askFeedback: boolean | undefined;
  confirmed: boolean;
  rating: number | undefined;
  comment: string | undefined;
  idea: string | undefined;
  reason: string | undefined;
  clientAddress: string | undefined;
  report: LocalizedReport | undefined;
  feedbackUrl: string | undefined;
  statusUrl: string | undefined;
  coach: MessageData["coach"];
  command: string | undefined;
  replaced: boolean | undefined;
  similar: MessageData["similar"];
  attachments: MessageData["attachments"];
  replyMarker: string;

  constructor(data: MessageData, locale: Locale, options: RenderOptions) {
    this.replyMarker = REPLY_MARKERS[locale];
    this.ticketId = data.ticketId;
    this.subject = data.subject;
    this.clientName = data.clientName;
    this.technicianName = data.technicianName;
    this.request = data.request;
    this.text = data.text;
    this.summary = data.summary;
    this.diagnosis = data.diagnosis;
    this.forecastMoved = data.forecastMoved;
    this.alternatives = data.alternatives;
    this.escalatedTo = data.escalatedTo;
    this.cause = data.cause;
    this.fix = data.fix;
    this.progress = data.progress;
    this.plan = data.plan;
    this.afterHours = data.afterHours;
    this.askFeedback = data.askFeedback;
    this.confirmed = data.closedBecause === "confirmed";
    this.rating = data.rating;
    this.comment = data.comment;
    this.idea = data.idea;
    this.report = data.report && localizedReport(data.report, locale);
    this.reason = data.reason;
    this.clientAddress = data.clientAddress;
    this.feedbackUrl = options.feedbackUrl;
    this.statusUrl = options.statusUrl;
    this.coach = data.coach;
    this.command = data.command;
    this.replaced = data.replaced;
    this.similar = data.similar;
    this.attachments = data.attachments;
  }
}

type Decimals = "averageDiagnosisHours" | "averageResolutionHours" | "averageRating" | "longestSilences";
type LocalizedReport = Omit<WeeklyReport, Decimals> & {
  averageDiagnosisHours?: number | string;
  averageResolutionHours?: number | string;
  averageRating?: number | string;
  longestSilences: (Omit<WeeklyReport["longestSilences"][number], "hours"> & { hours: number | string })[];
};

/** The report's figures with the reader's decimal mark: "11,5 h" in Spanish, "11.5 h" in English. */
function localizedReport(report: WeeklyReport, locale: Locale): LocalizedReport {
  if (locale === "en") return report;
  const decimal = (n: number) => (Number.isInteger(n) ? n : String(n).replace(".", ","));
  const optional = (n: number | undefined) => (n === undefined ? undefined : decimal(n));
  return {
    ...report,
    averageDiagnosisHours: optional(report.averageDiagnosisHours),
    averageResolutionHours: optional(report.averageResolutionHours),
    averageRating: optional(report.averageRating),
    longestSilences: report.longestSilences.map((silence) => ({ ...silence, hours: decimal(silence.hours) })),
  };
}

const NAMES: Record<Locale, { days: string[]; months: string[] }> = {
  es: {
    days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
    months: [
      "enero",
      "febrero",
      "marzo",
      "abril",
      "mayo",
      "junio",
      "julio",
      "agosto",
      "septiembre",
      "octubre",
      "noviembre",
      "diciembre",
    ],
  },
  en: {
    days: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    months: [
      "January",
      "February",
      "March",
      "April",
      "May",
      "June",
      "July",
      "August",
      "September",
      "October",
      "November",
      "December",
    ],
  },
};

/**
 * "martes 24 de noviembre a las 17:00" / "Tuesday 24 November at 17:00", in the reader's zone: templates
 * put the word before it ("el martes…", "on Tuesday…").
 */
export function formatInstant(instant: string, locale: Locale, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  if (!p) return instant;
  const names = NAMES[locale];
  const weekday = names.days[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
  const time = `${pad2(p.hour)}:${pad2(p.minute)}`;
  // "a la 01:30" (la una), "a las 13:00" (las trece): the article agrees with the hour.
  return locale === "es"
    ? `${weekday} ${p.day} de ${names.months[p.month - 1]} ${p.hour === 1 ? "a la" : "a las"} ${time}`
    : `${weekday} ${p.day} ${names.months[p.month - 1]} at ${time}`;
}
