import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, actionsOf, REGION, statementsOf, synthAws, target } from "./aws-synth";

/*
 * What the per-ticket timers need from the template (finding 10's infra part): the outbox creates
 * one-time schedules at run time (functions/adapters/scheduler.ts) from the environment the stack
 * gives it, so each value there must name what the template really made, and every permission in
 * between must exist. A flexible time window (FlexibleTimeWindow FLEXIBLE) is part of the same
 * CreateSchedule call and needs nothing more. The timers function has no reserved concurrency: it is
 * invoked asynchronously, so a burst is throttled and retried by Lambda for up to six hours (its event
 * age), then kept in its on-failure queue, rather than failing deploys on accounts whose concurrency
 * quota cannot spare a reservation.
 */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

const variables = (id: string) =>
  (synth.resources[id]?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)
    ?.Variables ?? {};
const policiesOf = (roleId: string) =>
  synth
    .ofType("AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => target(r) === roleId))
    .flatMap(([, p]) => statementsOf(p));

describe("per-ticket timers, as the outbox creates them", () => {
  it("target the timers function by the name it really has", () => {
    const [timersId, timers] = synth.functions().find(([id]) => id.startsWith("TimersFunction")) ?? [];
    expect(timers?.Properties.FunctionName).toBe("AvisoAws-timers");
    for (const [id] of synth.functions()) {
      expect(JSON.stringify(variables(id).TIMERS_FUNCTION_ARN)).toContain(
        `:lambda:${REGION}:${ACCOUNT}:function:AvisoAws-timers`,
      );
    }
    expect(timersId).toBeDefined();
    expect(timers?.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("go into the schedule group the template made, which the outbox may write, passing the Scheduler role", () => {
    const [outboxId] = synth.functions().find(([id]) => id.startsWith("OutboxFunction")) ?? [];
    const env = variables(outboxId as string);
    const group = synth.ofType("AWS::Scheduler::ScheduleGroup")[0]?.[1].Properties.Name;
    expect(env.SCHEDULE_GROUP).toBe(group);
    const outboxRole = target(synth.resources[outboxId as string]?.Properties.Role) as string;
    const statements = policiesOf(outboxRole);
    const scheduling = statements.find((s) => actionsOf(s).includes("scheduler:CreateSchedule"));
    expect(actionsOf(scheduling ?? {})).toEqual(
      expect.arrayContaining([
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
      ]),
    );
    expect(JSON.stringify(scheduling?.Resource)).toContain(
      `:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/*`,
    );
    const schedulerRole = target(env.SCHEDULER_ROLE_ARN) as string;
    const passing = statements.find((s) => actionsOf(s).includes("iam:PassRole"));
    expect(target(passing?.Resource)).toBe(schedulerRole);
  });

  it("run as a role only Scheduler assumes, which may invoke the timers function and fill the timers' dead-letter queue", () => {
    const [outboxId] = synth.functions().find(([id]) => id.startsWith("OutboxFunction")) ?? [];
    const [timersId] = synth.functions().find(([id]) => id.startsWith("TimersFunction")) ?? [];
    const env = variables(outboxId as string);
    const roleId = target(env.SCHEDULER_ROLE_ARN) as string;
    const trust = JSON.stringify(synth.resources[roleId]?.Properties.AssumeRolePolicyDocument);
    expect(trust).toContain('"Service":"scheduler.amazonaws.com"');
    expect(trust).toContain(`"aws:SourceAccount":"${ACCOUNT}"`);
    const statements = policiesOf(roleId);
    const invoking = statements.find((s) => actionsOf(s).includes("lambda:InvokeFunction"));
    expect(([] as unknown[]).concat(invoking?.Resource).map(target)).toContain(timersId);
    const dlq = target(env.TIMERS_DLQ_ARN) as string;
    expect(synth.resources[dlq]?.Type).toBe("AWS::SQS::Queue");
    const sending = statements.find((s) => actionsOf(s).includes("sqs:SendMessage"));
    expect(target(sending?.Resource)).toBe(dlq);
  });
});

describe("the crons (daily jobs, timer reconciler)", () => {
  const cronsId = () => {
    const [id] = synth.functions().find(([fid]) => fid.startsWith("TimersCronsFunction")) ?? [];
    return id as string;
  };
  const schedules = () =>
    synth
      .ofType("AWS::Scheduler::Schedule")
      .map(
        ([, s]) =>
          s.Properties as {
            ScheduleExpression: string;
            ScheduleExpressionTimezone: string;
            Target: Record<string, unknown>;
          },
      )
      .filter((s) => target(s.Target.Arn) === cronsId());

  it("run at 06:00 and at half past every hour in the technicians' time zone, invoking the crons function with its input", () => {
    expect(
      schedules()
        .map((s) => [
          s.ScheduleExpression,
          s.ScheduleExpressionTimezone,
          JSON.parse(s.Target.Input as string),
        ])
        .sort(),
    ).toEqual([
      ["cron(0 6 * * ? *)", "Europe/Madrid", { aviso: "daily" }],
      ["cron(30 * * * ? *)", "Europe/Madrid", { aviso: "reconcile-timers" }],
    ]);
    const [outboxId] = synth.functions().find(([id]) => id.startsWith("OutboxFunction")) ?? [];
    const roleId = target(variables(outboxId as string).SCHEDULER_ROLE_ARN) as string;
    for (const s of schedules()) {
      expect(target(s.Target.RoleArn)).toBe(roleId);
      expect(target((s.Target.DeadLetterConfig as { Arn: unknown }).Arn)).toBe(
        target(variables(outboxId as string).TIMERS_DLQ_ARN),
      );
    }
    const invokable = policiesOf(roleId)
      .filter((s) => actionsOf(s).includes("lambda:InvokeFunction"))
      .flatMap((s) => ([] as unknown[]).concat(s.Resource).map(target));
    expect(invokable).toContain(cronsId());
  });

  it("may list aviso's schedules and set them again, send the digest, and delete the raw mail of expired tickets", () => {
    const role = target(synth.resources[cronsId()]?.Properties.Role) as string;
    const actions = policiesOf(role).flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining([
        "scheduler:ListSchedules",
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "iam:PassRole",
        "ses:SendEmail",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:ListBucketVersions",
      ]),
    );
    expect(synth.resources[cronsId()]?.Properties.Timeout).toBe(300);
  });
});
