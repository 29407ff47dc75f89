import { beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../functions/app/report";
import { CLIENT_TEMPLATES, LOCALES, type Locale, STAFF_TEMPLATES } from "../../functions/core";
import { composeSendEmail } from "../../functions/mail/compose";
import { inspectMail } from "../../functions/mail/inspect";
import { renderMessage } from "../../functions/mail/render";
import { REPLY_MARKERS } from "../../functions/mail/reply-marker";
import { replyAddress } from "../../functions/mail/thread";
import { buildTemplates } from "../../tools/build-templates";
import { SAMPLE } from "../../tools/preview-templates";

const options = { timeZone: "Europe/Madrid", feedbackUrl: "https://support.example/feedback/T-1042?sig=x" };

beforeAll(async () => {
  await buildTemplates();
}, 60_000);

describe("templates", () => {
  it("render the lead's weekly report in both languages with its lists, escaped", () => {
    const report = {
      ...SAMPLE.report,
      ideas: [{ ticketId: "T-1029", idea: "<script>alert(1)</script> una página de estado" }],
    } as NonNullable<typeof SAMPLE.report>;
    const es = renderReport("es", "staff-weekly-report", { ...SAMPLE, report }, options);
    const en = renderReport("en", "staff-weekly-report", { ...SAMPLE, report }, options);
    expect(es.subject).toBe(
      "[aviso] Semana del 2026-11-16 al 2026-11-23 · abiertas: 37 · resueltas: 31 · en silencio: 1",
    );
    expect(en.subject).toBe("[aviso] Week of 2026-11-16 to 2026-11-23: 37 opened, 31 resolved, 1 waiting");
    for (const mail of [es, en]) {
      expect(mail.text).toContain("T-1042");
      expect(mail.text).toContain("T-1051");
      expect(mail.text).toContain("It took two days.");
      expect(mail.html).not.toContain("<script>alert(1)</script>");
      expect(mail.html).toContain("&lt;script&gt;");
    }
    expect(es.text).toContain("11,5 h");
    expect(en.text).toContain("11.5 h");
    const empty = renderReport(
      "en",
      "staff-weekly-report",
      { ...SAMPLE, report: { ...report, longestSilences: [], lowestRatings: [], ideas: [] } },
      options,
    );
    expect(empty.text).toContain("Nobody is waiting");
    expect(empty.text).toContain("No new ideas this week.");
  });

  it("exist and render for every client and staff message in Spanish and English", () => {
    for (const locale of LOCALES as readonly Locale[]) {
      for (const name of [...CLIENT_TEMPLATES, ...STAFF_TEMPLATES.map((s) => `staff-${s}` as const)]) {
        const render = name === "staff-weekly-report" ? renderReport : renderMessage;
        const mail = render(locale, name, SAMPLE, options);
        // Ticket mail names its ticket; the weekly report names its week.
        expect(mail.subject, `${locale}/${name}`).toContain(
          name === "staff-weekly-report" ? "2026-11-16" : "[#T-1042]",
        );
        expect(mail.html, `${locale}/${name}`).toMatch(/^<!doctype html>/i);
        expect(mail.text.length, `${locale}/${name}`).toBeGreaterThan(40);
        expect(mail.html).not.toMatch(/\{\{|\}\}/);
        expect(mail.text).not.toMatch(/\{\{|\}\}/);
      }
    }
  });

  it("always name the ticket code and the one channel in client mail", () => {
    for (const name of CLIENT_TEMPLATES) {
      expect(renderMessage("es", name, SAMPLE, options).text, name).toMatch(
        /T-1042[\s\S]*responde a este correo/,
      );
      expect(renderMessage("en", name, SAMPLE, options).text, name).toMatch(
        /T-1042[\s\S]*reply to this email/,
      );
    }
  });

  it("write a technician's ETA in the client's language and zone, and no date when none was given", () => {
    const es = renderMessage("es", "plan", { ...SAMPLE, eta: "2026-11-24T16:00:00Z" }, options);
    expect(es.text).toContain("martes 24 de noviembre a las 17:00");
    const en = renderMessage(
      "en",
      "plan",
      { ...SAMPLE, eta: "2026-11-24T16:00:00Z" },
      { ...options, timeZone: "Europe/London" },
    );
    expect(en.text).toContain("Tuesday 24 November at 16:00");
    const { eta: _eta, previousEta: _previous, dueAt: _due, ...undated } = SAMPLE;
    for (const name of CLIENT_TEMPLATES) {
      for (const locale of LOCALES as readonly Locale[]) {
        const text = renderMessage(locale, name, undated, options).text;
        expect(text, `${locale}/${name}`).not.toMatch(
          /\b\d{1,2}:\d{2}\b|\b(lunes|martes|miércoles|jueves|viernes|monday|tuesday|wednesday|thursday|friday)\b/i,
        );
      }
    }
  });

  it("escape a client's HTML and script everywhere in the HTML part", () => {
    const hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    for (const name of CLIENT_TEMPLATES) {
      const mail = renderMessage(
        "es",
        name,
        {
          ...SAMPLE,
          clientName: hostile,
          subject: hostile,
          request: hostile,
          text: hostile,
          summary: hostile,
          diagnosis: hostile,
        },
        options,
      );
      expect(mail.html, name).not.toContain("<script>alert");
      expect(mail.html, name).not.toContain("<img src=x");
    }
    const subject = renderMessage(
      "en",
      "acknowledgement",
      { ...SAMPLE, subject: "Hi\r\nBcc: victim@example.com" },
      options,
    ).subject;
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it("acknowledge a sender that did not authenticate without its subject or request (DESIGN §7)", () => {
    const { request: _, ...unquoted } = SAMPLE;
    const es = renderMessage("es", "acknowledgement", { ...unquoted, subject: "" }, options);
    const en = renderMessage("en", "acknowledgement", { ...unquoted, subject: "" }, options);
    expect(es.subject).toBe("[#T-1042] Hemos recibido tu petición");
    expect(en.subject).toBe("[#T-1042] We have your request");
    for (const mail of [es, en]) {
      expect(mail.text).not.toContain("Desde la actualización de ayer");
      expect(mail.text).toMatch(/T-1042/);
    }
    expect(renderMessage("en", "acknowledgement", SAMPLE, options).subject).toBe(
      `[#T-1042] We have your request: ${SAMPLE.subject}`,
    );
  });

  it("tell the technicians when the reply they read closed the ticket, so nobody answers into a closed thread", () => {
    const { closedBecause: _, ...open } = SAMPLE;
    const replied = renderMessage("en", "staff-client-replied", open, options);
    expect(replied.subject).toBe("[#T-1042] ana@cliente.example replied");
    expect(replied.text).toContain("Reply to this email to answer them directly.");
    const confirmed = renderMessage("en", "staff-client-replied", SAMPLE, options);
    expect(confirmed.subject).toBe("[#T-1042] ana@cliente.example confirmed the fix: closed");
    expect(confirmed.text).toContain(SAMPLE.text);
    expect(confirmed.text).toContain("write to them directly at ana@cliente.example");
    expect(confirmed.text).not.toContain("Reply to this email");
    const es = renderMessage("es", "staff-client-replied", SAMPLE, options);
    expect(es.subject).toBe("[#T-1042] ana@cliente.example confirma que funciona: cerrada");
    expect(es.text).toContain("escríbele directamente a ana@cliente.example");
  });

  it("put the reply marker first, so a top-posted reply is cut there", async () => {
    const mail = renderMessage("es", "diagnosis", SAMPLE, options);
    expect(mail.text.split("\n")[0]).toBe(REPLY_MARKERS.es);
    const quoted = mail.text
      .split("\n")
      .map((line) => `> ${line}`)
      .join("\n");
    const reply = `From: ana@cliente.example\r\nTo: soporte@aviso.example\r\nSubject: Re: [#T-1042] x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGracias, lo pruebo.\r\n\r\n${quoted}`;
    const seen = await inspectMail(reply, {
      supportAddress: "soporte@aviso.example",
      technicians: [],
      tokenSecret: "0123456789abcdef0123",
      technicianTimeZone: "Europe/Madrid",
    });
    expect(seen.visibleText).toBe("Gracias, lo pruebo.");
  });
});

describe("composing SESv2 SendEmail", () => {
  const rendered = renderMessage("es", "diagnosis", SAMPLE, options);
  const base = {
    from: { address: "soporte@aviso.example", name: 'Soporte "Aviso"' },
    to: [{ address: "ana@cliente.example", name: "Ana Pérez" }],
    replyTo: replyAddress("soporte@aviso.example", "T-1042", "0123456789abcdef0123"),
    rendered,
    ticketId: "T-1042",
    thread: ["<client-1@mail.example>", "<0100abc@email.amazonses.com>"],
  };

  it("threads, signs the reply address and marks automatic mail", () => {
    const input = composeSendEmail({ ...base, automatic: true });
    const headers = Object.fromEntries((input.Content?.Simple?.Headers ?? []).map((h) => [h.Name, h.Value]));
    expect(headers).toMatchObject({
      "In-Reply-To": "<0100abc@email.amazonses.com>",
      References: "<client-1@mail.example> <0100abc@email.amazonses.com>",
      "Auto-Submitted": "auto-generated",
      "X-Aviso-Ticket": "T-1042",
    });
    expect(input.ReplyToAddresses?.[0]).toMatch(/^soporte\+T-1042\.[a-z0-9_-]{12}@aviso\.example$/);
    expect(input.FromEmailAddress).toBe('"Soporte \\"Aviso\\"" <soporte@aviso.example>');
    expect(input.Content?.Simple?.Body?.Html?.Data).toBe(rendered.html);
    expect(input.Content?.Simple?.Body?.Text?.Data).toBe(rendered.text);
  });

  it("does not mark a technician's personal reply as automatic", () => {
    const headers = composeSendEmail({ ...base, automatic: false }).Content?.Simple?.Headers ?? [];
    expect(headers.map((h) => h.Name)).not.toContain("Auto-Submitted");
  });
});
