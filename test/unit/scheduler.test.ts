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
import { EventBridgeTimerScheduler, localDateTime, scheduleName } from "../../functions/adapters/scheduler";

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
