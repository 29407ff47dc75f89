import { convert as htmlToText } from "html-to-text";
import { beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../functions/app/report";
import {
  CLIENT_TEMPLATES,
  type ClientTemplate,
  type Locale,
  type MessageData,
  STAFF_TEMPLATES,
  type StaffTemplate,
} from "../../functions/core";
import { COMMANDS, parseCommand } from "../../functions/mail/commands";
import { splitReply } from "../../functions/mail/quotes";
import { renderMessage } from "../../functions/mail/render";
import { indexOfReplyMarker, LEGACY_REPLY_MARKER, REPLY_MARKERS } from "../../functions/mail/reply-marker";
import { buildTemplates } from "../../tools/build-templates";

/**
 * DESIGN §6: one language and one form of address per message. Every template is rendered in each
 * language with realistic data written in that language, so any word of the other language, or any
 * *usted*, comes from the template itself.
 */
const report = (overrides: Partial<NonNullable<MessageData["report"]>> = {}) => ({
  from: "2026-11-16",
  to: "2026-11-23",
  opened: 37,
  resolved: 31,
  open: 12,
  overdue: 1,
  averageDiagnosisHours: 2.4,
  averageResolutionHours: 11.8,
  escalations: 3,
  reopenings: 1,
  ratings: 14,
  averageRating: 4.3,
  longestSilences: [
    { ticketId: "T-1042", client: "Ana Pérez", subject: "Impresora", hours: 11.5, overdue: true },
  ],
  lowestRatings: [{ ticketId: "T-1033", rating: 2, stars: "★★☆☆☆", comment: "Lento." }],
  ideas: [],
  ...overrides,
});

const SAMPLES: Record<Locale, MessageData> = {
  es: {
    ticketId: "T-1042",
    subject: "La impresora de etiquetas no imprime",
    clientName: "Ana Pérez",
    technicianName: "Lucía Gómez",
    request: "Desde la actualización de ayer la impresora de etiquetas no imprime.\nHoy salen 40 paquetes.",
    text: "Hemos vuelto al controlador anterior, pero la cola de impresión sigue rechazando los trabajos.",
    summary: "volver a imprimir etiquetas de envío desde el PC del almacén antes de la recogida",
    diagnosis: "La actualización de ayer cambió el controlador por uno que no admite este modelo.",
    eta: "2026-11-24T17:00:00+01:00",
    previousEta: "2026-11-24T12:00:00+01:00",
    forecastMoved: true,
    alternatives: "Imprime las etiquetas desde el PC de la oficina, que aún tiene el controlador anterior.",
    escalatedTo: "el fabricante del sistema operativo",
    cause: "Un controlador defectuoso en la actualización de ayer.",
    fix: "Hemos vuelto al controlador anterior y lo hemos fijado hasta que haya un arreglo.",
    progress: ["Reproducido el fallo en un PC de repuesto.", "Encontrada la versión defectuosa."],
    plan: "Volver al controlador anterior y probar una etiqueta.",
    afterHours: true,
    askFeedback: true,
    closedBecause: "confirmed",
    rating: 2,
    comment: "Tardó dos días.",
    idea: "Una página web con el estado de cada petición.",
    reason: "orden desconocida #diagnosys",
    clientAddress: "ana@cliente.example",
    dueAt: "2026-11-24T10:00:00+01:00",
    report: report(),
    // The tone coach's notice and the similar incidents of a new ticket's (issue 17).
    command: "#plan",
    replaced: true,
    coach: [
      {
        phrase: "sin falta",
        rule: "promise",
        why: "Promete menos y cumple más: nadie tiene esa certeza.",
        suggestion: "Esperamos tenerlo listo mañana.",
      },
    ],
    similar: [
      {
        code: "T-1001",
        subject: "La impresora de etiquetas Zebra imprime en blanco",
        cause: "El sensor de papel no estaba calibrado tras cambiar el rollo.",
        fix: "Calibramos el sensor desde el panel de la impresora.",
      },
    ],
    // A client mail's attachments: one kept and linked, one beyond the limits (issue 16).
    attachments: [
      {
        name: "captura-cola-impresion.png",
        contentType: "image/png",
        size: 245_000,
        sizeLabel: "239 KB",
        sha256: "a".repeat(64),
        ref: "attachments/T-1042/a/captura-cola-impresion.png",
        url: "http://127.0.0.1:3000/attachments/T-1042/e3b0c44298fc1c149afbf4c8996fb924?exp=1795000000&sig=Zk3rQ9wLx2TbV7mN1pYc4A",
      },
      {
        name: "video-almacen.mp4",
        contentType: "video/mp4",
        size: 31_000_000,
        sizeLabel: "30 MB",
        notKept: "x",
      },
    ],
  },
  en: {
    ticketId: "T-1042",
    subject: "The label printer stopped printing",
    clientName: "Jane Smith",
    technicianName: "Mark Brown",
    request: "Since yesterday's update the label printer does not print.\nWe ship 40 parcels today.",
    text: "We rolled the driver back, but the spooler still rejects the jobs.",
    summary: "print shipping labels again from the warehouse PC before the pickup",
    diagnosis: "Yesterday's update replaced the driver with one that does not support this model.",
    eta: "2026-11-24T17:00:00+01:00",
    previousEta: "2026-11-24T12:00:00+01:00",
    forecastMoved: true,
    alternatives: "Print the labels from the office PC, which still has the old driver.",
    escalatedTo: "the OS vendor",
    cause: "A faulty driver in yesterday's update.",
    fix: "Rolled the driver back and pinned it until a fix ships.",
    progress: ["Reproduced the failure on a spare PC.", "Found the faulty driver version."],
    plan: "Roll back the driver and test a label.",
    afterHours: true,
    askFeedback: true,
    closedBecause: "confirmed",
    rating: 2,
    comment: "It took two days.",
    idea: "A web page showing each request's status.",
    reason: "unknown command #diagnosys",
    clientAddress: "jane@client.example",
    dueAt: "2026-11-24T10:00:00+01:00",
    report: report(),
    command: "#plan",
    replaced: true,
    coach: [
      {
        phrase: "without fail",
        rule: "promise",
        why: "Promise less, deliver more: nobody has that certainty.",
        suggestion: "We expect to have it ready tomorrow.",
      },
    ],
    similar: [
      {
        code: "T-1001",
        subject: "The Zebra label printer prints blank labels",
        cause: "The media sensor was not calibrated after a new roll was loaded.",
        fix: "We ran the media calibration from the printer's panel.",
      },
    ],
    attachments: [
      {
        name: "print-queue-error.png",
        contentType: "image/png",
        size: 245_000,
        sizeLabel: "239 KB",
        sha256: "a".repeat(64),
        ref: "attachments/T-1042/a/print-queue-error.png",
        url: "http://127.0.0.1:3000/attachments/T-1042/e3b0c44298fc1c149afbf4c8996fb924?exp=1795000000&sig=Zk3rQ9wLx2TbV7mN1pYc4A",
      },
      {
        name: "warehouse-video.mp4",
        contentType: "video/mp4",
        size: 31_000_000,
        sizeLabel: "30 MB",
        notKept: "x",
      },
    ],
  },
};

/**
 * Words that give the other language away. Only words that are not also words of the mail's own
 * language: "plan", "no", "a" and "aviso" (the product's name) are left out on purpose.
 */
const FOREIGN: Record<Locale, string[]> = {
  es: [
    ..."reply above this that the and thanks thank you your we our please hello regards team ticket request".split(
      " ",
    ),
    ..."email update diagnosis change escalate resolve summary note who business hours week forecast".split(
      " ",
    ),
    ..."today client call is of to at on by in it yyyy".split(" "),
  ],
  en: [
    ..."hola gracias tu tus te usted su sus petición correo responde responda encima línea equipo soporte".split(
      " ",
    ),
    ..."saludo hemos está estamos cliente técnico laborable semana previsión el la los las del que para por".split(
      " ",
    ),
    ..."con una de diagnostico diagnóstico avance cambio escalado resuelto resumen nota copia fecha aaaa".split(
      " ",
    ),
  ],
};

/**
 * *Usted* forms (DESIGN §6: *tú* throughout). In client mail "su/sus/le/les" are forbidden outright:
 * a client message has no third person to refer to, so any of them is the client addressed as usted.
 * Staff mail speaks about the client in the third person ("su ficha", "escríbele"), so there only the
 * forms that address the reader count.
 */
const USTED_TO_READER = [
  "usted",
  "ustedes",
  "responda",
  "confirme",
  "disculpe",
  "desea",
  "desee",
  "puede",
  "pueda",
  "quiera",
  "indíquenos",
  "contacte",
  "escriba",
  "revise",
  "compruebe",
  "llame",
  "envíe",
  "espere",
];
const USTED_IN_CLIENT_MAIL = [...USTED_TO_READER, "su", "sus", "suyo", "suya", "le", "les"];

type Name = ClientTemplate | `staff-${StaffTemplate}`;
const NAMES: Name[] = [...CLIENT_TEMPLATES, ...STAFF_TEMPLATES.map((s) => `staff-${s}` as const)];
const options = {
  timeZone: "Europe/Madrid",
  feedbackUrl: "https://support.example/feedback/T-1042?sig=x",
  statusUrl: "https://support.example/status/T-1042?exp=1&sig=y",
};

function render(locale: Locale, name: Name, data: MessageData = SAMPLES[locale]) {
  return (name === "staff-weekly-report" ? renderReport : renderMessage)(locale, name, data, options);
}

/** Everything a reader can see or hear: subject, text part, the HTML's text with its hidden preview, alt and title. */
function readable(mail: { subject: string; html: string; text: string }): string[] {
  const attributes = [...mail.html.matchAll(/\s(?:alt|title)="([^"]*)"/g)].map((m) => m[1] ?? "");
  const htmlText = htmlToText(mail.html, {
    wordwrap: false,
    selectors: [{ selector: "a", options: { ignoreHref: true } }],
  });
  return [mail.subject, ...mail.text.split("\n"), ...htmlText.split("\n"), ...attributes].filter((l) =>
    l.trim(),
  );
}

/** Lines with any of `words` as a whole word (letters with accents count as letters). */
function offending(lines: string[], words: string[]): string[] {
  const set = new Set(words);
  return lines.filter((line) => (line.toLowerCase().match(/\p{L}+/gu) ?? []).some((word) => set.has(word)));
}

beforeAll(async () => {
  await buildTemplates();
}, 60_000);

describe("one language per message (DESIGN §6)", () => {
  it("puts the reply marker in the reader's language, first, in every message", () => {
    expect(REPLY_MARKERS.es).toBe("## Responde encima de esta línea ##");
    expect(REPLY_MARKERS.en).toBe("## Reply above this line ##");
    for (const locale of ["es", "en"] as const)
      for (const name of NAMES) {
        const mail = render(locale, name);
        expect(mail.text.split("\n")[0], `${locale}/${name}`).toBe(REPLY_MARKERS[locale]);
        expect(mail.html, `${locale}/${name}`).toContain(REPLY_MARKERS[locale]);
      }
  });

  it("recognizes every marker aviso ever wrote, the old bilingual one included", () => {
    for (const marker of [REPLY_MARKERS.es, REPLY_MARKERS.en, LEGACY_REPLY_MARKER]) {
      const text = `Gracias, ya funciona.\n\n> ${marker}\n> T-1042 · Impresora\n> Hola Ana:`;
      expect(indexOfReplyMarker(text), marker).toBe(text.indexOf(marker));
    }
    // A mail program that dropped the accent still writes the marker.
    expect(indexOfReplyMarker("ok\n## Responde encima de esta linea ##")).toBe(3);
    expect(indexOfReplyMarker("Responde encima, por favor")).toBe(-1);
  });

  it("splits a Spanish reply to a Spanish mail at the Spanish marker", () => {
    const mail = render("es", "resolution");
    const reply = `Confirmado, ya imprime.\n\n${mail.text}`;
    expect(splitReply(reply)).toMatchObject({ visible: "Confirmado, ya imprime.", quoted: true });
  });

  it("has no word of the other language in any template, staff or client, subject and preview included", () => {
    const slips: string[] = [];
    for (const locale of ["es", "en"] as const)
      for (const name of NAMES)
        for (const line of offending(readable(render(locale, name)), FOREIGN[locale]))
          slips.push(`${locale}/${name}: ${line}`);
    expect(slips).toEqual([]);
  });

  it("lists in the technicians' footer only commands the parser reads, with a date syntax it reads", () => {
    for (const locale of ["es", "en"] as const) {
      const text = render(locale, "staff-reminder").text;
      const whole = text.slice(text.lastIndexOf("aviso ·"));
      const words = [...whole.matchAll(/#(\p{L}+)/gu)].map((m) => m[1] ?? "");
      expect(words.length, `${locale}: ${whole}`).toBeGreaterThanOrEqual(9);
      for (const word of words) expect(COMMANDS[word], `${locale}: #${word}`).toBeDefined();
      const example = /#plan \[(\p{L}+): ([A-Z]{4})-MM-DD HH:mm\]/u.exec(whole);
      expect(example, whole).not.toBeNull();
      const line = `#plan [${example?.[1]}: 2026-11-24 17:00] text`;
      expect(parseCommand(line, "Europe/Madrid")).toMatchObject({
        command: { eta: "2026-11-24T17:00:00+01:00" },
      });
    }
  });

  it("links the client's status page from every client message, in its language, and from no staff one", () => {
    const link = '<a href="https://support.example/status/T-1042?exp';
    for (const locale of ["es", "en"] as const)
      for (const name of NAMES) {
        const mail = render(locale, name);
        if (name.startsWith("staff-")) expect(mail.html, name).not.toContain("/status/");
        else expect(mail.html, `${locale}/${name}`).toContain(link);
      }
    expect(render("es", "plan").text).toMatch(
      /la página de tu petición \[https:\/\/support\.example\/status\/T-1042/,
    );
    expect(render("en", "plan").text).toMatch(
      /your request's page \[https:\/\/support\.example\/status\/T-1042/,
    );
    const { statusUrl: _, ...without } = options;
    expect(renderMessage("es", "plan", SAMPLES.es, without).html).not.toContain("/status/");
  });

  it("declares the message's language in the HTML", () => {
    for (const locale of ["es", "en"] as const)
      for (const name of NAMES)
        expect(render(locale, name).html, name).toMatch(new RegExp(`<html lang="${locale}"`));
  });

  it("says tú to Spanish clients and technicians, never usted", () => {
    const slips: string[] = [];
    for (const name of NAMES) {
      const words = name.startsWith("staff-") ? USTED_TO_READER : USTED_IN_CLIENT_MAIL;
      for (const line of offending(readable(render("es", name)), words)) slips.push(`${name}: ${line}`);
    }
    expect(slips).toEqual([]);
  });

  it("writes the technicians' reminder date as a sentence reads it", () => {
    expect(render("es", "staff-reminder").text.replace(/\s+/g, " ")).toContain(
      "el martes 24 de noviembre a las 10:00",
    );
    expect(render("en", "staff-reminder").text.replace(/\s+/g, " ")).toContain(
      "on Tuesday 24 November at 10:00",
    );
  });

  it("says 'a la 01:30' for one o'clock in Spanish, 'a las' for every other hour", () => {
    const at = (eta: string) => render("es", "plan", { ...SAMPLES.es, eta }).text.replace(/\s+/g, " ");
    expect(at("2026-11-24T01:30:00+01:00")).toContain("el martes 24 de noviembre a la 01:30");
    expect(at("2026-11-24T13:00:00+01:00")).toContain("el martes 24 de noviembre a las 13:00");
    expect(at("2026-11-24T00:15:00+01:00")).toContain("el martes 24 de noviembre a las 00:15");
  });

  it("introduces every date with the right word: 'el martes…' in Spanish, never 'a las martes' or 'at Tuesday'", () => {
    const slips: string[] = [];
    for (const locale of ["es", "en"] as const)
      for (const name of NAMES)
        for (const forecastMoved of [true, false]) {
          const text = render(locale, name, { ...SAMPLES[locale], forecastMoved }).text.replace(/\s+/g, " ");
          const pattern =
            locale === "es"
              ? /(\p{L}+):? (lunes|martes|miércoles|jueves|viernes|sábado|domingo) \d/giu
              : /(\p{L}+):? (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d/gu;
          const allowed =
            locale === "es" ? ["el", "del"] : ["on", "by", "for", "is", "said", "same", "still"];
          for (const m of text.matchAll(pattern))
            if (!allowed.includes((m[1] ?? "").toLowerCase())) slips.push(`${locale}/${name}: …${m[0]}…`);
          if (/\b(el|del) el\b|\ba las (lunes|martes|miércoles|jueves|viernes)/u.test(text))
            slips.push(`${locale}/${name}`);
        }
    expect(slips).toEqual([]);
  });

  it("agrees a count of one with its noun, and writes decimals as the reader does", () => {
    const ones = report({
      opened: 1,
      resolved: 1,
      open: 1,
      overdue: 1,
      averageDiagnosisHours: 1,
      averageResolutionHours: 1.5,
      escalations: 1,
      reopenings: 1,
      ratings: 1,
      averageRating: 1,
      longestSilences: [
        { ticketId: "T-1042", client: "Ana", subject: "Impresora", hours: 1, overdue: false },
      ],
    });
    const plurals: Record<Locale, RegExp> = {
      es: /(?<![\d.,])1 (\p{L}+ )?(abiertas|resueltas|hábiles|horas|peticiones|valoraciones|días|laborables)\b/iu,
      en: /(?<![\d.,])1 (p{L}+ )?(hours|requests|ratings|days|tickets|escalations)\b/i,
    };
    for (const locale of ["es", "en"] as const) {
      const mail = render(locale, "staff-weekly-report", { ...SAMPLES[locale], report: ones });
      for (const line of [mail.subject, ...mail.text.split("\n")])
        expect(line, `${locale}: ${line}`).not.toMatch(plurals[locale]);
    }
    const es = render("es", "staff-weekly-report").text;
    expect(es).toContain("2,4");
    expect(es).not.toMatch(/\d\.\d/);
    expect(render("en", "staff-weekly-report").text).toContain("2.4");
  });
});
