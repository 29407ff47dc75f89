import Handlebars from "handlebars/runtime";
import { DateTime } from "luxon";
import { precompiled } from "../../templates/generated/templates";
import type { ClientTemplate, Locale, MessageData, StaffTemplate } from "../core";
import { REPLY_ABOVE_MARKER } from "./quotes";

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Spec = Parameters<typeof Handlebars.template>[0];
type Render = (context: object) => string;
interface LocaleTemplates {
  frames: Record<string, { before: Spec; after: Spec }>;
  templates: Record<string, { frame: string; subject: Spec; html: Spec; text: Spec }>;
}

const cache = new Map<string, { subject: Render; html: Render; text: Render }>();

function compiled(locale: Locale, name: string) {
  const key = `${locale}/${name}`;
  let entry = cache.get(key);
  if (!entry) {
    const set = (precompiled as unknown as Record<string, LocaleTemplates>)[locale];
    const template = set?.templates[name];
    if (!set || !template) throw new Error(`no template "${name}" for locale "${locale}"`);
    const frame = set.frames[template.frame];
    const before = frame ? Handlebars.template(frame.before) : () => "";
    const after = frame ? Handlebars.template(frame.after) : () => "";
    const middle = Handlebars.template(template.html);
    entry = {
      subject: Handlebars.template(template.subject),
      html: (context) => before(context) + middle(context) + after(context),
      text: Handlebars.template(template.text),
    };
    cache.set(key, entry);
  }
  return entry;
}

export interface RenderOptions {
  /** Time zone in which dates are shown to the reader. */
  timeZone: string;
  feedbackUrl?: string;
}

/**
 * Renders a message: data is HTML-escaped in the HTML part (Handlebars), dates the technician
 * entered are written out in the reader's language and time zone, and line breaks never reach a subject.
 */
export function renderMessage(
  locale: Locale,
  template: ClientTemplate | `staff-${StaffTemplate}`,
  data: MessageData,
  options: RenderOptions,
): RenderedMail {
  const render = compiled(locale, template);
  const context = {
    ...data,
    eta: data.eta ? formatInstant(data.eta, locale, options.timeZone) : undefined,
    previousEta: data.previousEta ? formatInstant(data.previousEta, locale, options.timeZone) : undefined,
    dueAt: data.dueAt ? formatInstant(data.dueAt, locale, options.timeZone) : undefined,
    confirmed: data.closedBecause === "confirmed",
    feedbackUrl: options.feedbackUrl,
    replyMarker: REPLY_ABOVE_MARKER,
  };
  return {
    subject: render
      .subject(context)
      .replace(/[\r\n\t]+/g, " ")
      .trim()
      .slice(0, 250),
    html: render.html(context),
    text: render
      .text(context)
      .replace(/\n{3,}/g, "\n\n")
      .trim(),
  };
}

const FORMATS: Record<Locale, string> = {
  es: "cccc d 'de' LLLL 'a las' HH:mm",
  en: "cccc d LLLL 'at' HH:mm",
};

export function formatInstant(instant: string, locale: Locale, timeZone: string): string {
  const value = DateTime.fromISO(instant, { setZone: true }).setZone(timeZone).setLocale(locale);
  return value.isValid ? value.toFormat(FORMATS[locale]) : instant;
}
