import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { type OutboxDeps, performOutboxItem } from "../../functions/app/outbox";
import { sendWeeklyReport } from "../../functions/app/report";
import { freshDeps, ManualClock, mailTo, useHarness } from "./harness";

const local = useHarness();

async function drain(deps: OutboxDeps) {
  for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
}

async function seedWeek(deps: Awaited<ReturnType<typeof freshDeps>>, clock: ManualClock, tag: string) {
  const open = async (who: string, subject: string) => {
    const outcome = await receiveMail(
      deps,
      Buffer.from(
        `From: ${who}\r\nTo: soporte@aviso.test\r\nSubject: ${subject}\r\nMessage-ID: <${tag}-${who}>\r\n\r\n${subject}. ¿Nos ayudáis?`,
      ),
    );
    await drain(deps);
    return outcome.outcome === "applied" ? outcome.ticketId : "";
  };
  const actor = { address: "lucia@aviso.test", name: "Lucía" };
  const closeOut = async (ticketId: string, resolvedAt: string, confirmedAt: string, step: string) => {
    clock.set(resolvedAt);
    await applyEvent(deps, {
      type: "resolve",
      id: `${tag}-${step}-r`,
      ticketId,
      actor,
      fix: "Cable cambiado.",
    });
    clock.set(confirmedAt);
    await applyEvent(deps, { type: "confirm", id: `${tag}-${step}-c`, ticketId });
    await drain(deps);
  };
  // Closed the week before: no figure of this week's report is about it.
  clock.set("2026-11-05T09:00:00Z");
  const before = await open(`before-${tag}@cliente.es`, "Sin red en la sala");
  await closeOut(before, "2026-11-05T11:00:00Z", "2026-11-06T09:00:00Z", "before");
  clock.set("2026-11-16T08:30:00Z"); // Monday 09:30 in Madrid, in the week before the report
  const quiet = await open(`quiet-${tag}@cliente.es`, "El escáner no funciona");
  // Nothing more reaches this client: their address bounces.
  await deps.throttle.flagAddress(`quiet-${tag}@cliente.es`, "permanent bounce", clock.now());
  const solved = await open(`solved-${tag}@cliente.es`, "No puedo imprimir");
  clock.set("2026-11-16T10:00:00Z");
  await applyEvent(deps, {
    type: "diagnosis",
    id: `${tag}-d`,
    ticketId: solved,
    actor,
    text: "Driver roto.",
  });
  clock.set("2026-11-17T09:00:00Z");
  await applyEvent(deps, {
    type: "resolve",
    id: `${tag}-r`,
    ticketId: solved,
    actor,
    fix: "Driver reinstalado.",
  });
  await applyEvent(deps, {
    type: "feedback",
    id: `${tag}-f`,
    ticketId: solved,
    rating: 2,
    comment: "Tardasteis dos días.",
    idea: "Un aviso por SMS.",
  });
  await drain(deps);
  // Opened, solved and closed within the week: opened and resolved count, though it is closed now.
  clock.set("2026-11-18T09:00:00Z");
  const closed = await open(`closed-${tag}@cliente.es`, "El monitor parpadea");
  await closeOut(closed, "2026-11-18T12:00:00Z", "2026-11-19T09:00:00Z", "closed");
  clock.set("2026-11-23T08:00:00Z"); // the Monday of the report
  expect((await deps.tickets.load(closed))?.status).toBe("closed");
  expect((await deps.tickets.load(before))?.status).toBe("closed");
  return { quiet, solved };
}

describe("the support lead's weekly report, sent through the local SES server", () => {
  it("sends the week's figures, the longest silence, the lowest rating with its comment and the new idea, once", async () => {
    const clock = new ManualClock(new Date("2026-11-16T08:00:00Z"));
    const deps = await freshDeps(local(), clock);
    const { quiet, solved } = await seedWeek(deps, clock, `es${Date.now()}`);
    const result = await sendWeeklyReport(deps);
    expect(result.sent).toBe(true);
    expect(await sendWeeklyReport(deps)).toMatchObject({ sent: false }); // a Scheduler retry sends nothing
    const mails = (await mailTo(local(), "lead@aviso.test")).filter((m) =>
      m.subject.startsWith("[aviso] Semana"),
    );
    const mail = mails.at(-1);
    expect(mail?.subject).toBe(
      "[aviso] Semana del 2026-11-16 al 2026-11-23 · abiertas: 3 · resueltas: 2 · en silencio: 1",
    );
    const text = mail?.body.text ?? "";
    expect(text).toContain(`#${quiet}`);
    expect(text).toContain("El escáner no funciona");
    expect(text).toContain("Tardasteis dos días.");
    expect(text).toContain("Un aviso por SMS.");
    expect(text).toContain(`#${solved} ★★☆☆☆`);
    expect(text).toContain("Tiempo medio hasta la solución");
  });

  it("writes it in English for an English-speaking team", async () => {
    const clock = new ManualClock(new Date("2026-11-16T08:00:00Z"));
    const deps = await freshDeps(local(), clock, { defaultLocale: "en" });
    await seedWeek(deps, clock, `en${Date.now()}`);
    expect((await sendWeeklyReport(deps)).sent).toBe(true);
    const mail = (await mailTo(local(), "lead@aviso.test"))
      .filter((m) => m.subject.startsWith("[aviso] Week"))
      .at(-1);
    expect(mail?.subject).toBe("[aviso] Week of 2026-11-16 to 2026-11-23: 3 opened, 2 resolved, 1 waiting");
    expect(mail?.body.text).toContain("Who has waited longest for news");
    expect(mail?.body.text).toContain("Un aviso por SMS.");
  });
});
