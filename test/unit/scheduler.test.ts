import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  businessHoursOn,
  EventBridgeTimerScheduler,
  flexibleWindow,
  localDateTime,
  scheduleName,
} from "../../functions/adapters/scheduler";
import type { TimerName } from "../../functions/core";
import { type CalendarSpec, calendarFor } from "../../functions/core/calendar";
import "../../functions/core/holidays";

const schedulerMock = mockClient(SchedulerClient);
const target = {
  groupName: "Aviso-timers",
  targetArn: "arn:aws:lambda:eu-west-1:123456789012:function:Aviso-timers",
  roleArn: "arn:aws:iam::123456789012:role/scheduler",
  deadLetterArn: "arn:aws:sqs:eu-west-1:123456789012:timers-dlq",
};
const timers = new EventBridgeTimerScheduler(
  new SchedulerClient({ region: "eu-west-1" }),
  target,
  async () => "Europe/Madrid",
);

beforeEach(() => schedulerMock.reset());

describe("EventBridge Scheduler timers", () => {
  it("creates a one-time at() schedule in the client's zone that deletes itself", async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({});
    await timers.set("T-1042", "eod", "2026-11-23T16:30:00.000Z");
    const input = schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Name: "T-1042-eod",
      GroupName: "Aviso-timers",
      ScheduleExpression: "at(2026-11-23T17:30:00)",
      ScheduleExpressionTimezone: "Europe/Madrid",
      ActionAfterCompletion: "DELETE",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        Arn: target.targetArn,
        RoleArn: target.roleArn,
        DeadLetterConfig: { Arn: target.deadLetterArn },
      },
    });
    expect(JSON.parse(input?.Target?.Input ?? "{}")).toEqual({
      ticketId: "T-1042",
      name: "eod",
      dueAt: "2026-11-23T16:30:00.000Z",
    });
  });

  it("replaces a timer that exists (setting again is idempotent)", async () => {
    schedulerMock
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: "exists", Message: "exists", $metadata: {} }));
    schedulerMock.on(UpdateScheduleCommand).resolves({});
    await timers.set("T-1042", "update", "2026-11-24T09:00:00.000Z");
    expect(schedulerMock.commandCalls(UpdateScheduleCommand)[0]?.args[0].input).toMatchObject({
      Name: "T-1042-update",
      ScheduleExpression: "at(2026-11-24T10:00:00)",
    });
  });

  it("cancels quietly when the timer already fired or was never set", async () => {
    schedulerMock
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: "gone", Message: "gone", $metadata: {} }));
    await expect(timers.cancel("T-1042", "reminder")).resolves.toBeUndefined();
    expect(schedulerMock.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({
      Name: "T-1042-reminder",
      GroupName: "Aviso-timers",
    });
  });

  it("writes local times across a DST change", () => {
    expect(localDateTime("2026-10-25T00:30:00Z", "Europe/Madrid")).toBe("2026-10-25T02:30:00");
    expect(localDateTime("2026-10-25T01:30:00Z", "Europe/Madrid")).toBe("2026-10-25T02:30:00");
    expect(scheduleName("T-7", "confirm-timeout")).toBe("T-7-confirm-timeout");
  });
});

/**
 * Issue 15, finding 10: every end-of-day (and update) timer of 100,000 tickets fired in the same
 * minute. Timers now get a flexible window that keeps them inside the business hours of their day
 * and in the ticket's order (an update never goes out after the end-of-day notice it preceded).
 */
describe("flexible time windows that stay inside business hours", () => {
  // Madrid, 09:00-18:00 Monday to Friday; 2026-11-23 is a Monday (CET, UTC+1).
  const calendar = {
    timeZone: "Europe/Madrid",
    workdays: [1, 2, 3, 4, 5],
    hours: { start: "09:00", end: "18:00" },
    holidays: { dates: [] },
  };
  const ticket = (timers: Partial<Record<TimerName, string>>) => ({ client: { calendar }, timers });
  // The schedules are set well before they fall due.
  const spread = new EventBridgeTimerScheduler(
    new SchedulerClient({ region: "eu-west-1" }),
    target,
    async () => "Europe/Madrid",
    () => Date.parse("2026-11-23T07:00:00Z"),
  );
  const created = async (name: TimerName, at: string, timers: Partial<Record<TimerName, string>>) => {
    schedulerMock.on(CreateScheduleCommand).resolves({});
    await spread.set("T-1042", name, at, ticket({ ...timers, [name]: at }));
    const input = schedulerMock.commandCalls(CreateScheduleCommand).at(-1)?.args[0].input;
    // Whenever it fires, the timer says which instant it was armed for: the policy matches on it.
    expect(JSON.parse(input?.Target?.Input ?? "{}")).toEqual({ ticketId: "T-1042", name, dueAt: at });
    return { expression: input?.ScheduleExpression, window: input?.FlexibleTimeWindow };
  };

  it("a morning update: up to 15 minutes after it is due", async () => {
    expect(await created("update", "2026-11-23T09:00:00.000Z", {})).toEqual({
      expression: "at(2026-11-23T10:00:00)",
      window: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
    });
  });

  it("an update due at closing time starts early enough to end by closing", async () => {
    expect(await created("update", "2026-11-23T17:00:00.000Z", {})).toEqual({
      expression: "at(2026-11-23T17:45:00)",
      window: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
    });
  });

  it("an update due shortly before the end-of-day notice starts earlier to end before it", async () => {
    expect(await created("update", "2026-11-23T16:20:00.000Z", { eod: "2026-11-23T16:30:00.000Z" })).toEqual({
      expression: "at(2026-11-23T17:15:00)",
      window: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
    });
    // A reminder due with its update (no lead) goes in the quarter of an hour before it.
    const update = "2026-11-24T09:00:00.000Z";
    expect(await created("reminder", update, { update })).toEqual({
      expression: "at(2026-11-24T09:45:00)",
      window: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
    });
  });

  it("the end-of-day notice: five minutes at most, still before closing", async () => {
    expect(await created("eod", "2026-11-23T16:30:00.000Z", {})).toEqual({
      expression: "at(2026-11-23T17:30:00)",
      window: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 5 },
    });
    // With no lead (the notice due at closing), it goes in the last five minutes.
    expect(await created("eod", "2026-11-23T17:00:00.000Z", {})).toEqual({
      expression: "at(2026-11-23T17:55:00)",
      window: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 5 },
    });
  });

  it("a timer outside business hours, on a day off, or set after its instant: OFF, at its instant", async () => {
    const off = { Mode: "OFF" };
    expect((await created("confirm-timeout", "2026-11-23T19:00:00.000Z", {})).window).toEqual(off);
    expect((await created("update", "2026-11-28T09:00:00.000Z", {})).window).toEqual(off); // Saturday
    expect((await created("update", "2026-11-23T06:30:00.000Z", {})).window).toEqual(off); // 07:30 local
    // Set after its instant (a late retry): no earlier start than now, so no window.
    const late = flexibleWindow(
      "eod",
      "2026-11-23T11:00:00.000Z",
      ticket({}),
      Date.parse("2026-11-23T12:00:00Z"),
    );
    expect(late).toBeUndefined();
  });

  it("without the ticket (nothing known of its day), exactly at its instant, as before", async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({});
    await spread.set("T-1042", "update", "2026-11-23T09:00:00.000Z");
    expect(schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toMatchObject({
      ScheduleExpression: "at(2026-11-23T10:00:00)",
      FlexibleTimeWindow: { Mode: "OFF" },
    });
  });

  it("never outside [opening, closing] and never after the ticket's next timer, whatever the instant", () => {
    const now = Date.parse("2026-11-22T00:00:00Z");
    const day = { opensAt: Date.parse("2026-11-23T08:00:00Z"), closesAt: Date.parse("2026-11-23T17:00:00Z") };
    for (const name of ["eod", "update", "reminder", "confirm-timeout"] as const)
      for (let minute = 7 * 60; minute <= 18 * 60; minute += 1) {
        const at = new Date(Date.parse("2026-11-23T00:00:00Z") + minute * 60_000).toISOString();
        const next = new Date(Date.parse(at) + ((minute * 7) % 40) * 60_000).toISOString();
        const timers = { [name === "update" ? "eod" : "update"]: next };
        const window = flexibleWindow(name, at, ticket(timers), now);
        if (!window) continue;
        const end = window.start + window.minutes * 60_000;
        expect(window.start).toBeGreaterThanOrEqual(day.opensAt);
        expect(end).toBeLessThanOrEqual(Math.min(day.closesAt, Date.parse(next)));
        expect(window.start).toBeLessThanOrEqual(Date.parse(at));
        expect(window.minutes).toBeGreaterThanOrEqual(1);
        expect(window.minutes).toBeLessThanOrEqual(name === "eod" ? 5 : 15);
      }
  });
});

describe("the business hours the adapter reads without luxon", () => {
  it("match core/calendar's day after day, across DST changes, weekends and holidays", () => {
    const specs: CalendarSpec[] = [
      { timeZone: "Europe/Madrid", holidays: { country: "ES", region: "MD", dates: ["2026-12-24"] } },
      { timeZone: "America/New_York", workdays: [1, 2, 3, 4, 5, 6], hours: { start: "07:30", end: "19:15" } },
      {
        timeZone: "America/Mexico_City",
        hours: { start: "00:00", end: "23:59" },
        holidays: { country: "MX", dates: [] },
      },
      { timeZone: "Australia/Lord_Howe", workdays: [7], hours: { start: "01:00", end: "03:00" } },
    ];
    let businessDays = 0;
    for (const spec of specs) {
      const calendar = calendarFor(spec);
      for (let day = 0; day < 366; day++) {
        const noon = Date.parse("2026-01-01T12:00:00Z") + day * 86_400_000;
        const expected = calendar.day(calendar.localDate(noon));
        const seen = businessHoursOn(spec, noon);
        if (!expected.isBusinessDay) {
          expect(seen, `${spec.timeZone} ${expected.date}`).toBeUndefined();
          continue;
        }
        businessDays += 1;
        expect(seen, `${spec.timeZone} ${expected.date}`).toEqual({
          opensAt: expected.opensAt,
          closesAt: expected.closesAt,
        });
      }
    }
    expect(businessDays).toBeGreaterThan(600);
  });
});
