import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { type CronInput, DAILY_JOBS_HOUR, RECONCILE_MINUTE } from "../../functions/handlers/cron-input";
import type { Data } from "./data";
import { deadLetterQueue, handlerFunction, keepFailedInvocations } from "./handler";
import { acknowledge, wildcardResource } from "./nag";

/**
 * Per-ticket timers (DESIGN §2): one-time EventBridge Scheduler schedules in aviso's own group, which
 * the outbox creates and deletes, invoking the timers function through a role only Scheduler can
 * assume; work Scheduler cannot deliver goes to a dead-letter queue. Also the crons: the lead's weekly
 * report, the daily jobs and the hourly timer reconciler.
 */
export class Timers extends Construct {
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly groupName: string;
  readonly role: iam.Role;
  readonly deadLetters: sqs.Queue;
  readonly function: nodejs.NodejsFunction;
  /** The timers function's ARN built from its name, so that every function (itself too) can hold it. */
  readonly functionArn: string;

  constructor(scope: Construct, id: string, props: { data: Data }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.groupName = `${stack.stackName}-timers`;
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, "ScheduleGroup", { name: this.groupName });
    this.role = new iam.Role(this, "SchedulerRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
      description: "EventBridge Scheduler invokes the aviso timers function",
    });
    this.deadLetters = deadLetterQueue(
      this,
      "DeadLetters",
      "schedules (ticket timers, crons, weekly report) EventBridge Scheduler could not deliver",
    );
    this.deadLetters.grantSendMessages(this.role);

    const functionName = `${stack.stackName}-timers`;
    this.function = handlerFunction(this, "Function", props.data, "timers.ts", { functionName });
    keepFailedInvocations(this, "Failures", this.function, "timers");
    this.functionArn = stack.formatArn({
      service: "lambda",
      resource: "function",
      resourceName: functionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.grantInvokeByScheduler(
      this.function,
      "CDK's invoke grant covers the function's versions and aliases.",
    );
  }

  /** Lets `grantee` create, update and delete the schedules of aviso's group, handing them the Scheduler role. */
  grantManageSchedules(grantee: lambda.Function): void {
    const schedules = Stack.of(this).formatArn({
      service: "scheduler",
      resource: "schedule",
      resourceName: `${this.groupName}/*`,
    });
    grantee.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
        resources: [schedules],
      }),
    );
    this.role.grantPassRole(grantee.grantPrincipal);
    acknowledge(
      grantee,
      wildcardResource(grantee, schedules),
      "One schedule per ticket timer, named at run time, all inside aviso's own schedule group.",
    );
  }

  /** The support lead's weekly report: Monday 09:00 in the lead's time zone, invoking `target`. */
  addWeeklyReport(target: lambda.Function, timeZone: string): void {
    new scheduler.CfnSchedule(this, "WeeklyReport", {
      description: "aviso: the support lead's weekly report",
      scheduleExpression: "cron(0 9 ? * MON *)",
      scheduleExpressionTimezone: timeZone,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: target.functionArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify({ aviso: "weekly-report" }),
        retryPolicy: { maximumRetryAttempts: 3 },
        deadLetterConfig: { arn: this.deadLetters.queueArn },
      },
    });
    this.grantInvokeByScheduler(
      target,
      "CDK's invoke grant covers the ticket-events function's versions and aliases (the weekly report).",
    );
  }

  /**
   * The crons' function (functions/handlers/aws/daily.ts): the daily jobs (the lead's quarantine
   * digest, closed tickets expired, timers reconciled) at DAILY_JOBS_HOUR and the timer reconciler at
   * RECONCILE_MINUTE past every hour, in `timeZone`. Five minutes: expiry and the reconciler read every
   * ticket. Its failed invocations are kept, like every asynchronously invoked function's.
   */
  addCrons(data: Data, timeZone: string): nodejs.NodejsFunction {
    const f = handlerFunction(this, "CronsFunction", data, "daily.ts", { timeout: Duration.minutes(5) });
    keepFailedInvocations(this, "CronsFailures", f, "daily jobs and timer reconciler");
    this.grantManageSchedules(f);
    f.addToRolePolicy(new iam.PolicyStatement({ actions: ["scheduler:ListSchedules"], resources: ["*"] }));
    acknowledge(
      f,
      "AwsSolutions-IAM5[Resource::*]",
      "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords) and scheduler:ListSchedules (the reconciler's list of aviso's schedules) have no resource-level permissions.",
    );
    const cron = (id: string, description: string, expression: string, input: CronInput) =>
      new scheduler.CfnSchedule(this, id, {
        description,
        scheduleExpression: expression,
        scheduleExpressionTimezone: timeZone,
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: f.functionArn,
          roleArn: this.role.roleArn,
          input: JSON.stringify(input),
          retryPolicy: { maximumRetryAttempts: 3 },
          deadLetterConfig: { arn: this.deadLetters.queueArn },
        },
      });
    cron(
      "DailyJobs",
      "aviso: the lead's quarantine digest, closed tickets expired, timers reconciled",
      `cron(0 ${DAILY_JOBS_HOUR} * * ? *)`,
      { aviso: "daily" },
    );
    cron(
      "TimerReconciler",
      "aviso: timers overdue or missing fired or armed again",
      `cron(${RECONCILE_MINUTE} * * * ? *)`,
      { aviso: "reconcile-timers" },
    );
    this.grantInvokeByScheduler(f, "CDK's invoke grant covers the crons function's versions and aliases.");
    return f;
  }

  private grantInvokeByScheduler(target: lambda.Function, reason: string): void {
    target.grantInvoke(this.role);
    acknowledge(this.role, wildcardResource(this.role, `${target.functionArn}:*`), reason);
  }
}
