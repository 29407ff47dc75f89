import { parseArgs } from "node:util";
import nodemailer from "nodemailer";
import { freePort } from "../infra/local/ports";
import { type Runtime, startRuntime } from "../infra/local/runtime";
import { type StoredMail, storedMail } from "../infra/local/ses-local";

/**
 * Plays two incidents end to end in accelerated time, only through aviso's public interfaces
 * (SMTP, the ticket API, the clock), and prints what each client received and when.
 */
const { values } = parseArgs({
  options: {
    api: { type: "string", default: "http://127.0.0.1:3000" },
    ses: { type: "string", default: "http://127.0.0.1:8005" },
    smtp: { type: "string", default: "2525" },
  },
});

interface Target {
  api: string;
  ses: string;
  smtpPort: number;
  runtime?: Runtime;
}

async function target(): Promise<Target> {
  try {
    const response = await fetch(`${values.api}/_clock`);
    if (response.ok) return { api: values.api, ses: values.ses, smtpPort: Number(values.smtp) };
  } catch {
    // nothing running: start our own
  }
  console.log("No aviso running on", values.api, "- starting one for the demo (in memory, free ports)…");
  const runtime = await startRuntime({
    smtpPort: await freePort(),
    apiPort: await freePort(),
    sesPort: await freePort(),
    dynamodbPort: await freePort(),
    startAt: "2026-11-23T07:55:00Z",
    log: { info: () => {}, warn: (m) => console.warn(`! ${m}`), error: (m) => console.error(`✗ ${m}`) },
  });
  return { api: runtime.urls.api, ses: runtime.urls.ses, smtpPort: runtime.options.smtpPort, runtime };
}

const t = await target();
const started = performance.now();
const mailer = nodemailer.createTransport({
  host: "127.0.0.1",
  port: t.smtpPort,
  secure: false,
  ignoreTLS: true,
});
const support = process.env.AVISO_SUPPORT_ADDRESS ?? "support@aviso.localhost";
const tech = "tech@aviso.localhost";

async function now(): Promise<number> {
  const clock = (await (await fetch(`${t.api}/_clock`)).json()) as { now: string };
  return Date.parse(clock.now);
}
async function advanceHours(hours: number) {
  await fetch(`${t.api}/_clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ hours }),
  });
}
async function post(ticketId: string, event: Record<string, unknown>) {
  const response = await fetch(`${t.api}/tickets/${ticketId}/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ actor: tech, ...event }),
  });
  const body = (await response.json()) as { outcome?: string; error?: string };
  if (!response.ok) throw new Error(`${event.type} on ${ticketId}: ${body.error ?? response.status}`);
}
async function clientMails(address: string): Promise<StoredMail[]> {
  return (await storedMail(t.ses)).filter((m) => m.destination.to.some((to) => to.includes(address)));
}
async function ticketOf(address: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const subject = (await clientMails(address))[0]?.subject ?? "";
    const found = /\[#(T-\d+)\]/.exec(subject)?.[1];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no acknowledgement reached ${address}`);
}

const marta = `marta.${Date.now()}@almacen.example`;
const tom = `tom.${Date.now()}@shop.example`;
const start = await now();
console.log(`\nDemo clock starts at ${new Date(start).toISOString()}\n`);

// Incident 1 (es): the shipping-label printer stopped after an update.
await mailer.sendMail({
  from: `Marta Ruiz <${marta}>`,
  to: support,
  subject: "La impresora de etiquetas dejó de imprimir tras la actualización",
  text: "Hola, desde la actualización de esta noche la impresora de etiquetas de envío no imprime. Tenemos 40 paquetes pendientes.",
});
const printer = await ticketOf(marta);
// Incident 2 (en): the billing run failed at the start of the day.
await mailer.sendMail({
  from: `Tom Baker <${tom}>`,
  to: support,
  subject: "Billing run failed this morning",
  text: "Hi, the billing run failed this morning and no invoices went out. Could you help us please?",
});
const billing = await ticketOf(tom);
await advanceHours(0.25);
await post(billing, {
  type: "diagnosis",
  text: "The payment provider rotated its API certificate overnight; our connector still uses the old one.",
});
await advanceHours(0.25);
await post(billing, {
  type: "plan",
  text: "Install the new certificate and re-run the billing job.",
  eta: new Date((await now()) + 5 * 3_600_000).toISOString(),
  alternatives: "Urgent invoices can be issued by hand from the billing screen.",
});
await advanceHours(3);
await post(billing, {
  type: "change",
  text: "The provider's new certificate is not published yet; we have asked them for it.",
  eta: new Date((await now()) + 24 * 3_600_000).toISOString(),
});
await advanceHours(6); // the printer ticket gets its end-of-day note: no diagnosis yet
await advanceHours(16);
await post(printer, {
  type: "diagnosis",
  text: "La actualización del sistema sustituyó el driver de la impresora por uno que no admite este modelo.",
});
await advanceHours(1);
await post(printer, {
  type: "escalate",
  escalatedTo: "el fabricante del sistema operativo",
  text: "Solo ellos pueden publicar un driver corregido; mientras tanto probamos una versión anterior.",
});
await post(billing, {
  type: "resolve",
  cause: "An expired certificate at the payment provider.",
  fix: "Installed the new certificate and re-ran the billing job: all invoices went out.",
});
await advanceHours(1);
await post(billing, {
  type: "feedback",
  rating: 5,
  comment: "Clear and fast, thank you.",
  idea: "Send me a copy of the plan as a calendar event.",
});
await advanceHours(23);
await post(printer, {
  type: "resolve",
  cause: "Un driver incompatible instalado por la actualización.",
  fix: "Instalamos el driver anterior del fabricante y bloqueamos su actualización automática.",
});
await advanceHours(1);
await mailer.sendMail({
  from: marta,
  to: support,
  subject: `Re: [#${printer}] Resuelto`,
  text: "¡Funciona! Muchas gracias.",
});
await advanceHours(0.5);

for (const [who, ticketId] of [
  [marta, printer],
  [tom, billing],
] as const) {
  const detail = (await (await fetch(`${t.api}/tickets/${ticketId}`)).json()) as {
    ticket: { client: { locale: string; calendar: { timeZone: string } } };
    effects: { kind: string; template?: string; at: string; status: string }[];
  };
  const zone = detail.ticket.client.calendar.timeZone;
  const sent = detail.effects.filter((e) => e.kind === "send-client");
  const mails = await clientMails(who);
  console.log(`${ticketId} · ${who} · ${detail.ticket.client.locale} · ${zone}`);
  sent.forEach((effect, i) => {
    const local = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      weekday: "short",
      day: "2-digit",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
    }).format(new Date(effect.at));
    console.log(
      `  ${local.padEnd(22)} ${String(effect.template).padEnd(16)} ${mails[i]?.subject ?? "(not sent yet)"}`,
    );
  });
  console.log();
}
console.log(`demo finished in ${((performance.now() - started) / 1000).toFixed(1)} s; sent mail: ${t.ses}`);
await t.runtime?.stop();
