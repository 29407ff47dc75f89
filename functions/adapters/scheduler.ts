import type { CreateScheduleCommandInput, SchedulerClient } from "@aws-sdk/client-scheduler";
import type { TimerScheduler } from "../app/outbox";
import type { TimerName } from "../core";
import { pad2, zonedParts } from "../core/zoned";
import { type ClientSource, lazyClient } from "./ses";

export interface SchedulerTarget {
  groupName: string;
  /** The timers Lambda. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  deadLetterArn?: string;
}

/** Deterministic schedule names: one per ticket and timer, so setting again replaces. */
export function scheduleName(ticketId: string, name: TimerName): string {
  return `${ticketId}-${name}`;
}

/** One-time EventBridge Scheduler schedules that delete themselves after firing. */
export class EventBridgeTimerScheduler implements TimerScheduler {
  private readonly client: () => Promise<SchedulerClient>;

  constructor(
    client: ClientSource<SchedulerClient>,
    private readonly target: SchedulerTarget,
    private readonly timeZoneOf: (ticketId: string) => Promise<string>,
  ) {
    this.client = lazyClient(client);
  }

  async set(ticketId: string, name: TimerName, at: string): Promise<void> {
    const { ConflictException, CreateScheduleCommand, UpdateScheduleCommand } = await import(
      "@aws-sdk/client-scheduler"
    );
    const client = await this.client();
    const timeZone = await this.timeZoneOf(ticketId);
    const input: CreateScheduleCommandInput = {
      Name: scheduleName(ticketId, name),
      GroupName: this.target.groupName,
      ScheduleExpression: `at(${localDateTime(at, timeZone)})`,
      ScheduleExpressionTimezone: timeZone,
      FlexibleTimeWindow: { Mode: "OFF" },
      ActionAfterCompletion: "DELETE",
      Target: {
        Arn: this.target.targetArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify({ ticketId, name, dueAt: at }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
        ...(this.target.deadLetterArn ? { DeadLetterConfig: { Arn: this.target.deadLetterArn } } : {}),
      },
    };
    try {
      await client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await client.send(new UpdateScheduleCommand(input));
    }
  }

  async cancel(ticketId: string, name: TimerName): Promise<void> {
    const { DeleteScheduleCommand, ResourceNotFoundException } = await import("@aws-sdk/client-scheduler");
    try {
      await (await this.client()).send(
        new DeleteScheduleCommand({ Name: scheduleName(ticketId, name), GroupName: this.target.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/** "2026-11-24T17:00:00" in the given zone: the form Scheduler's at() takes. */
export function localDateTime(instant: string, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  if (!p) throw new Error(`not an instant: ${instant}`);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`;
}
