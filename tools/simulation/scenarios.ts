import "../../functions/core/holidays";
import { DateTime } from "luxon";
import {
  type BusinessCalendar,
  type CalendarSpec,
  calendarFor,
  type Locale,
  TIMER_NAMES,
  type TicketEventInput,
} from "../../functions/core";
import type { ScriptedEvent, TicketScript } from "./engine";

/** The client calendars the simulation draws from: Spain, Mexico, England. */
export const CLIENT_PROFILES: { name: string; locale: Locale; calendar: CalendarSpec }[] = [
  {
    name: "Madrid",
    locale: "es",
    calendar: {
      timeZone: "Europe/Madrid",
      hours: { start: "09:00", end: "18:00" },
      holidays: { country: "ES", region: "MD" },
    },
  },
  {
    name: "Mexico City",
    locale: "es",
    calendar: {
      timeZone: "America/Mexico_City",
      hours: { start: "09:00", end: "18:00" },
      holidays: { country: "MX" },
    },
  },
  {
    name: "London",
    locale: "en",
    calendar: {
      timeZone: "Europe/London",
      hours: { start: "08:30", end: "17:30" },
      holidays: { country: "GB", region: "ENG" },
    },
  },
];

export const PROFILES = [
  "fast",
  "slow",
  "forgetful",
  "escalation",
  "plan-changer",
  "reopen",
  "long-running",
] as const;
export type Profile = (typeof PROFILES)[number];
const PROFILE_WEIGHTS: Record<Profile, number> = {
  fast: 25,
  slow: 18,
  forgetful: 14,
  escalation: 14,
  "plan-changer": 14,
  reopen: 10,
  "long-running": 5,
};

const TECHNICIANS = [
  { address: "lucia@support.example", name: "Lucía Gómez" },
  { address: "tom@support.example", name: "Tom Baker" },
  { address: "nightowl@support.example" },
];
const ESCALATION_TARGETS = [
  "the OS vendor",
  "Madrid office",
  "the printer manufacturer",
  "the ISP",
  "el fabricante",
];

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same tickets. */
export function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    between: (min: number, max: number) => min + (max - min) * next(),
    int: (min: number, max: number) => Math.floor(min + (max - min + 1) * next()),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}
export type Random = ReturnType<typeof prng>;

interface Context {
  random: Random;
  calendar: BusinessCalendar;
  locale: Locale;
  ticketId: string;
  events: ScriptedEvent[];
  counter: number;
  redeliverRate: number;
  riskyShare: number;
}

/**
 * What technicians write when they promise too much, name a date that is no forecast, or blame:
 * each one flagged by the tone coach in its language (issue 17).
 */
export const RISKY_TEXTS: Record<Locale, string[]> = {
  es: [
    "Mañana sin falta estará arreglado, es imposible que vuelva a fallar.",
    "Te lo garantizo: queda resuelto hoy mismo.",
    "No es culpa nuestra, el fabricante no podemos controlarlo.",
    "Seguro que el lunes ya funciona.",
    "Cambiamos el controlador y te garantizo que no vuelve a fallar.",
  ],
  en: [
    "It will definitely be fixed tomorrow, it is impossible for it to fail again.",
    "I guarantee it will be working by Friday.",
    "This is not our fault; we can't do anything about the vendor.",
    "Without fail, it will be sorted today.",
    "We replaced the driver; it is guaranteed not to happen again.",
  ],
};

/** Generates N ticket scripts with varied, realistic technician behaviour. */
export function generateScripts(options: {
  tickets: number;
  start: number;
  days: number;
  seed: number;
  redeliverRate?: number;
  /**
   * Share of technicians' client-bound texts written with risky wording (0 to 1, default 0): the
   * coach holds them, and the technician sends it as written (#send) or rewords it a little later.
   */
  riskyShare?: number;
}): TicketScript[] {
  const random = prng(options.seed);
  const scripts: TicketScript[] = [];
  const span = options.days * 86_400_000;
  for (let i = 0; i < options.tickets; i++) {
    const client = random.pick(CLIENT_PROFILES);
    const calendar = calendarFor(client.calendar);
    const openedAt = openingInstant(random, calendar, options.start, span);
    const profile = weightedProfile(random);
    const ctx: Context = {
      random,
      calendar,
      locale: client.locale,
      ticketId: `T-${1000 + i}`,
      events: [],
      counter: 0,
      redeliverRate: options.redeliverRate ?? 0.05,
      riskyShare: options.riskyShare ?? 0,
    };
    add(ctx, openedAt, {
      type: "client-new",
      from: {
        address: `client${i}@customer.example`,
        ...(random.chance(0.7) ? { name: `Client ${i}` } : {}),
      },
      subject: random.pick([
        "Label printer stopped after update",
        "Billing run failed",
        "No puedo enviar correo",
      ]),
      text: "Something is broken and I need help.",
      locale: client.locale,
      calendar: client.calendar,
    });
    technicianStory(ctx, profile, openedAt);
    ctx.events.sort((a, b) => a.at - b.at);
    scripts.push({
      ticketId: ctx.ticketId,
      profile,
      events: ctx.events,
      duplicateTimers: TIMER_NAMES.filter(() => random.chance(0.05)),
    });
  }
  return scripts;
}

function weightedProfile(random: Random): Profile {
  const total = Object.values(PROFILE_WEIGHTS).reduce((a, b) => a + b, 0);
  let roll = random.next() * total;
  for (const profile of PROFILES) {
    roll -= PROFILE_WEIGHTS[profile];
    if (roll < 0) return profile;
  }
  return "fast";
}

/** Mostly any hour of any day, with extra weight on the hard cases: Friday evening, holiday eves, DST. */
function openingInstant(random: Random, calendar: BusinessCalendar, start: number, span: number): number {
  const roll = random.next();
  const usable = span * 0.85;
  const local = (at: number) => DateTime.fromMillis(at, { zone: calendar.timeZone });
  if (roll < 0.1) {
    let day = local(start + random.next() * usable).startOf("day");
    while (day.weekday !== 5) day = day.plus({ days: 1 });
    return day.set({ hour: random.int(16, 23), minute: random.int(0, 59) }).toMillis();
  }
  if (roll < 0.2) {
    for (let attempt = 0; attempt < 40; attempt++) {
      const candidate = local(start + random.next() * usable).startOf("day");
      const tomorrow = candidate.plus({ days: 1 }).toISODate() as string;
      if (calendar.isClosedDate(tomorrow) && !calendar.isClosedDate(candidate.toISODate() as string)) {
        return candidate.set({ hour: random.int(12, 20), minute: random.int(0, 59) }).toMillis();
      }
    }
  }
  if (roll < 0.28) {
    // The last weekend of October: Europe leaves summer time.
    const dst = DateTime.fromISO("2026-10-23T12:00", { zone: calendar.timeZone });
    if (dst.toMillis() > start && dst.toMillis() < start + usable) {
      return dst.plus({ hours: random.between(0, 72) }).toMillis();
    }
  }
  return start + random.next() * usable;
}

type NewEvent = DistributiveOmit<TicketEventInput, "id" | "ticketId">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function add(ctx: Context, at: number, event: NewEvent) {
  ctx.counter += 1;
  ctx.events.push({
    at,
    event: { ...event, id: `${ctx.ticketId}:e${ctx.counter}`, ticketId: ctx.ticketId } as TicketEventInput,
    ...(ctx.random.chance(ctx.redeliverRate) ? { redeliver: true } : {}),
  });
}

type ClientBound = Extract<
  NewEvent,
  { type: "diagnosis" | "plan" | "change" | "update" | "escalate" | "resolve" | "reply" }
>;

/**
 * A technician's client-bound text. Now and then it is written with risky wording; the coach holds
 * it, and within 0.1–2 business hours its technician sends it as written (#send, 45 %) or sends the
 * same command reworded (the plain text, 45 %), which replaces the held one; or never answers (10 %).
 */
function tell(ctx: Context, at: number, event: ClientBound) {
  // No draw when no text is risky: the populations of runs without the coach stay as they were.
  if (ctx.riskyShare === 0 || !ctx.random.chance(ctx.riskyShare)) return add(ctx, at, event);
  const risky = ctx.random.pick(RISKY_TEXTS[ctx.locale]);
  add(ctx, at, event.type === "resolve" ? { ...event, fix: risky } : { ...event, text: risky });
  const followUp = ctx.calendar.addBusinessHours(at, ctx.random.between(0.1, 2));
  const roll = ctx.random.next();
  if (roll < 0.45) add(ctx, followUp, { type: "send-held", actor: event.actor });
  else if (roll < 0.9) add(ctx, followUp, event);
  // Otherwise the coach's mail goes unanswered: the held text is never sent.
}

/** When a technician does the next thing: mostly within business hours, sometimes late at night. */
function later(ctx: Context, from: number, businessHours: number): number {
  const at = ctx.calendar.addBusinessHours(from, businessHours);
  return ctx.random.chance(0.08) ? at + ctx.random.between(1, 6) * 3_600_000 : at;
}

function eta(ctx: Context, from: number): string {
  const at = ctx.calendar.addBusinessHours(from, ctx.random.between(2, 30));
  return DateTime.fromMillis(at, { zone: ctx.calendar.timeZone })
    .startOf("hour")
    .toFormat("yyyy-MM-dd HH:mm");
}

const CLIENT = { address: "client@customer.example" };

function technicianStory(ctx: Context, profile: Profile, openedAt: number) {
  const r = ctx.random;
  const actor = r.pick(TECHNICIANS);
  let now = openedAt;
  /** Moves the story's clock on by some business hours and returns the new instant. */
  const after = (businessHours: number) => {
    now = later(ctx, now, businessHours);
    return now;
  };
  const afterWallHours = (hours: number) => {
    now += hours * 3_600_000;
    return now;
  };

  if (r.chance(0.4))
    add(ctx, after(r.between(0.1, 1)), { type: "summary", actor, text: "You need X working again." });
  const diagnosisDelay = {
    fast: r.between(0.2, 1.5),
    slow: r.between(9, 20),
    forgetful: r.between(27, 55),
    escalation: r.between(1, 4),
    "plan-changer": r.between(0.5, 3),
    reopen: r.between(0.5, 6),
    "long-running": r.between(5, 15),
  }[profile];
  if (profile === "slow" || profile === "long-running") {
    let t = now;
    for (let d = 0; d < 3; d++) {
      t = later(ctx, t, r.between(3, 8));
      if (r.chance(0.5)) tell(ctx, t, { type: "update", actor, text: `Checked logs, day ${d + 1}.` });
    }
  }
  tell(ctx, after(diagnosisDelay), { type: "diagnosis", actor, text: "A driver update broke the spooler." });
  if (r.chance(0.15))
    add(ctx, later(ctx, now, r.between(0, 3)), { type: "note", actor, text: "Check the other site." });
  if (r.chance(0.2)) {
    tell(ctx, later(ctx, now, r.between(0, 5)), {
      type: "reply",
      actor,
      text: "Could you send a photo of the screen?",
    });
  }
  if (r.chance(0.2)) {
    add(ctx, later(ctx, now, r.between(0, 6)), {
      type: "client-reply",
      from: CLIENT,
      text: "Here is the photo.",
    });
  }

  const withEta = r.chance(0.6) || profile === "plan-changer";
  const planAt = after(r.between(0.2, 2));
  tell(ctx, planAt, {
    type: "plan",
    actor,
    text: "We will roll back the driver.",
    ...(withEta ? { eta: eta(ctx, planAt) } : {}),
    ...(r.chance(0.3) ? { alternatives: "Print from the second PC meanwhile." } : {}),
  });

  if (profile === "plan-changer") {
    const changeAt = after(r.between(1, 6));
    tell(ctx, changeAt, {
      type: "change",
      actor,
      text: "The rollback failed; reinstalling.",
      eta: eta(ctx, changeAt),
    });
    if (r.chance(0.5))
      tell(ctx, after(r.between(1, 6)), { type: "change", actor, text: "Waiting on a part." });
  }
  if (profile === "escalation") {
    tell(ctx, after(r.between(2, 10)), {
      type: "escalate",
      actor,
      escalatedTo: r.pick(ESCALATION_TARGETS),
      text: "They own the driver and can ship a fix.",
    });
  }
  const workDays = {
    fast: 0.2,
    slow: 2,
    forgetful: 1,
    escalation: 5,
    "plan-changer": 2,
    reopen: 1,
    "long-running": 40,
  }[profile];
  const updatesUntil = later(ctx, now, workDays * 9);
  for (let t = later(ctx, now, r.between(4, 14)); t < updatesUntil; t = later(ctx, t, r.between(4, 14))) {
    if (r.chance(0.6)) tell(ctx, t, { type: "update", actor, text: "Progress: tested on a spare machine." });
  }
  if (profile === "long-running") return;
  now = Math.max(now, updatesUntil);
  tell(ctx, after(r.between(0.5, 4)), {
    type: "resolve",
    actor,
    cause: "A faulty driver update.",
    fix: "Rolled back and pinned the driver.",
  });

  if (profile === "reopen") {
    add(ctx, afterWallHours(r.between(2, 30)), {
      type: "client-reply",
      from: CLIENT,
      text: "It is still broken.",
      intent: "still-broken",
    });
    tell(ctx, after(r.between(0.5, 6)), {
      type: "diagnosis",
      actor,
      text: "A second machine had the same driver.",
    });
    tell(ctx, after(r.between(1, 9)), {
      type: "resolve",
      actor,
      text: "Rolled back on the second machine too.",
    });
  }
  if (r.chance(0.55)) {
    add(ctx, afterWallHours(r.between(1, 40)), {
      type: "client-reply",
      from: CLIENT,
      text: "Works now, thank you!",
      intent: "confirm",
    });
  }
  if (r.chance(0.5)) {
    const rating = r.pick([1, 2, 3, 4, 4, 5, 5, 5, 5]);
    add(ctx, now + r.between(1, 60) * 3_600_000, {
      type: "feedback",
      rating,
      ...(r.chance(0.5) ? { comment: rating <= 2 ? "Took too long." : "Very kind team." } : {}),
      ...(r.chance(0.2) ? { idea: "Let me see the ticket status on a web page." } : {}),
    });
  }
}
