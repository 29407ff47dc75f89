import { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it, vi } from "vitest";
import { powertoolsMetrics, publishingMetrics } from "../../functions/adapters/metrics";
import { receiveMail } from "../../functions/app/inbound";
import { makeOutboxHandler } from "../../functions/handlers/outbox";
import { makeTicketEventsHandler } from "../../functions/handlers/ticket-events";
import * as keys from "../../functions/store/keys";
import { freshDeps, ManualClock, useHarness } from "./harness";

const local = useHarness();

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** Every EMF record Powertools writes to stdout while `work` runs. */
async function emfDuring(work: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.includes('"CloudWatchMetrics"'))
    .map((line) => JSON.parse(line) as Emf);
}

/** The value of one metric across records, with the record's dimensions. */
function values(records: Emf[], name: string) {
  return records.flatMap((record) =>
    record._aws.CloudWatchMetrics.flatMap((set) =>
      set.Metrics.filter((m) => m.Name === name).map((m) => ({
        value: record[name],
        unit: m.Unit,
        namespace: set.Namespace,
        kind: record.kind,
      })),
    ),
  );
}

describe("handlers write the support lead's figures as CloudWatch EMF (Powertools metrics)", () => {
  it("acknowledgement time, messages by kind, time to diagnosis and resolution, escalations, silence, rating", async () => {
    vi.stubEnv("POWERTOOLS_DEV", "");
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z")); // Monday 09:15 in Madrid
    const base = await freshDeps(local(), clock, {
      defaultCalendar: {
        timeZone: "Europe/Madrid",
        workdays: [1, 2, 3, 4, 5],
        hours: { start: "09:00", end: "18:00" },
        holidays: { dates: [] },
      },
    });
    const sink = powertoolsMetrics(new PowertoolsMetrics({ namespace: "aviso", serviceName: "aviso" }));
    const deps = { ...base, metrics: sink };
    const outbox = publishingMetrics(
      makeOutboxHandler(async () => deps),
      sink,
    );
    const events = publishingMetrics(
      makeTicketEventsHandler(async () => deps),
      sink,
    );
    const drain = async () => {
      const pending = await deps.outbox.pending();
      await outbox({
        Records: pending.map((item, i) => ({
          eventName: "INSERT",
          dynamodb: {
            NewImage: marshall(
              { ...keys.outbox(item.ticketId, item.effect.id), ...item },
              { removeUndefinedValues: true },
            ) as never,
            SequenceNumber: `${i}`,
          },
        })),
      });
    };
    const post = (detail: Record<string, unknown>) =>
      events({ "detail-type": "ticket-event", source: "test", detail });
    const actor = { address: "lucia@aviso.test", name: "Lucía" };

    const records = await emfDuring(async () => {
      const opened = await receiveMail(
        deps,
        Buffer.from(
          "From: Ana <ana-metrics@cliente.es>\r\nTo: soporte@aviso.test\r\nSubject: No imprime\r\nMessage-ID: <m1@cliente.es>\r\n\r\nLa impresora no imprime.",
        ),
      );
      sink.flush();
      const ticketId = opened.outcome === "applied" ? opened.ticketId : "";
      clock.set("2026-11-23T08:15:30Z");
      await drain();
      clock.set("2026-11-23T11:15:00Z"); // three business hours later
      await post({ type: "diagnosis", id: "m-d", ticketId, actor, text: "El controlador está dañado." });
      await drain();
      await post({
        type: "escalate",
        id: "m-e",
        ticketId,
        actor,
        escalatedTo: "el fabricante",
        text: "Necesitamos una pieza.",
      });
      await drain();
      clock.set("2026-11-24T10:00:00Z"); // Tuesday 11:00 Madrid: 8.75 h on Monday + 2 h on Tuesday
      await post({ type: "resolve", id: "m-r", ticketId, actor, cause: "Controlador", fix: "Reinstalado" });
      await drain();
      await post({ type: "feedback", id: "m-f", ticketId, rating: 4, comment: "Rápidos" });
    });

    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r._aws.CloudWatchMetrics.every((set) => set.Namespace === "aviso"))).toBe(
      true,
    );
    expect(values(records, "TicketsOpened")).toEqual([
      { value: 1, unit: "Count", namespace: "aviso", kind: undefined },
    ]);
    expect(values(records, "TimeToAcknowledgementSeconds")).toEqual([
      { value: 30, unit: "Seconds", namespace: "aviso", kind: undefined },
    ]);
    const kinds = values(records, "ClientMessagesSent").map((v) => v.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(["acknowledgement", "diagnosis", "escalation", "resolution"]),
    );
    expect(values(records, "StaffMessagesSent").length).toBeGreaterThan(0);
    expect(values(records, "TimeToDiagnosisBusinessHours").map((v) => v.value)).toEqual([3]);
    expect(values(records, "TimeToResolutionBusinessHours").map((v) => v.value)).toEqual([10.75]);
    expect(values(records, "Escalations").map((v) => v.value)).toEqual([1]);
    expect(values(records, "Rating").map((v) => v.value)).toEqual([4]);
    const silences = values(records, "SilenceBusinessHours").map((v) => v.value as number);
    expect(silences.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...silences)).toBeLessThanOrEqual(9);
    vi.unstubAllEnvs();
  });
});
