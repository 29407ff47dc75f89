import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLIENT_TEMPLATES, LOCALES, type Locale, type MessageData, STAFF_TEMPLATES } from "../functions/core";
import { buildTemplates } from "./build-templates";

/** Sample data that exercises every optional part of every template. */
export const SAMPLE: MessageData = {
  ticketId: "T-1042",
  subject: "La impresora de etiquetas no imprime desde la actualización",
  clientName: "Ana Pérez",
  technicianName: "Lucía Gómez",
  request:
    "Desde la actualización de ayer la impresora de etiquetas no imprime.\nNecesitamos enviar 40 paquetes hoy.",
  text: "We rolled the driver back, but the spooler still rejects the jobs; we are reinstalling it.",
  summary: "print shipping labels again from the warehouse PC before today's pickup",
  diagnosis: "Yesterday's update replaced the printer driver with one that does not support this model.",
  eta: "2026-11-24T17:00:00+01:00",
  previousEta: "2026-11-24T12:00:00+01:00",
  forecastMoved: true,
  alternatives: "Print the labels from the office PC, which still has the old driver.",
  escalatedTo: "the OS vendor",
  cause: "A faulty driver in yesterday's update.",
  fix: "Rolled the driver back and pinned it until the vendor ships a fix.",
  progress: ["Reproduced the failure on a spare PC.", "Found the faulty driver version."],
  plan: "Roll back the driver and test a label.",
  afterHours: true,
  askFeedback: true,
  closedBecause: "confirmed",
  rating: 2,
  comment: "It took two days.",
  idea: "A web page showing the ticket status.",
  reason: "unknown command #diagnosys",
  clientAddress: "ana@cliente.example",
  dueAt: "2026-11-24T10:00:00+01:00",
  report: {
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
      {
        ticketId: "T-1042",
        client: "Ana Pérez",
        subject: "La impresora no imprime",
        hours: 11.5,
        overdue: true,
      },
      { ticketId: "T-1051", client: "Bruno Díaz", subject: "No llega el correo", hours: 6, overdue: false },
    ],
    lowestRatings: [{ ticketId: "T-1033", rating: 2, stars: "★★☆☆☆", comment: "It took two days." }],
    ideas: [{ ticketId: "T-1029", idea: "A web page showing the ticket status." }],
  },
};

export async function writePreview(dir = join(import.meta.dirname, "../.aviso/preview")) {
  await buildTemplates();
  const { renderMessage } = await import("../functions/mail/render");
  const { renderReport } = await import("../functions/app/report");
  await mkdir(dir, { recursive: true });
  const rows: string[] = [];
  const names = [...CLIENT_TEMPLATES, ...STAFF_TEMPLATES.map((name) => `staff-${name}` as const)];
  for (const name of names) {
    for (const locale of LOCALES as readonly Locale[]) {
      const render = name === "staff-weekly-report" ? renderReport : renderMessage;
      const mail = render(locale, name, SAMPLE, {
        timeZone: "Europe/Madrid",
        feedbackUrl: "http://127.0.0.1:3000/feedback/T-1042?sig=preview",
      });
      const file = `${name}.${locale}.html`;
      await writeFile(join(dir, file), mail.html);
      await writeFile(join(dir, `${name}.${locale}.txt`), mail.text);
      rows.push(
        `<section><h2>${name} · ${locale}</h2><p class="subject">${escapeHtml(mail.subject)}</p><iframe src="${file}" loading="lazy"></iframe><details><summary>text part</summary><pre>${escapeHtml(mail.text)}</pre></details></section>`,
      );
    }
  }
  const page = `<!doctype html><meta charset="utf-8"><title>aviso · templates</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;background:#eef1f4}main{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
section{background:#fff;border-radius:8px;padding:12px}h2{font-size:15px;margin:0}.subject{color:#52606d;font-size:13px}iframe{width:100%;height:520px;border:1px solid #d9e0e6;border-radius:6px}pre{white-space:pre-wrap;font-size:12px}</style>
<h1>aviso templates — ${names.length} messages × ${LOCALES.length} languages</h1><main>${rows.join("\n")}</main>`;
  await writeFile(join(dir, "index.html"), page);
  return join(dir, "index.html");
}

function escapeHtml(value: string) {
  return value.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`preview: ${await writePreview()}`);
}
