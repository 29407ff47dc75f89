import { beforeAll, describe, expect, it } from "vitest";
import { actionsOf, statementsOf, synthAws, target } from "./aws-synth";

/*
 * Finding 8: a function AWS invokes asynchronously (EventBridge rules, Scheduler, SES receipt rules)
 * that fails its retries drops the event unless it has an on-failure destination or a dead-letter
 * queue; every queue of failed work needs an alarm, or nobody learns of it.
 */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

/** aviso's functions AWS invokes asynchronously, read from the template. */
function asyncFunctions(): Set<string> {
  const { resources, ofType } = synth;
  const isFunction = (id: string | undefined): id is string =>
    !!id && resources[id]?.Type === "AWS::Lambda::Function";
  const found = new Set<string>();
  for (const [, rule] of ofType("AWS::Events::Rule")) {
    for (const t of (rule.Properties.Targets as { Arn: unknown }[]) ?? []) {
      const id = target(t.Arn);
      if (isFunction(id)) found.add(id);
    }
  }
  for (const [, schedule] of ofType("AWS::Scheduler::Schedule")) {
    const id = target((schedule.Properties.Target as { Arn: unknown }).Arn);
    if (isFunction(id)) found.add(id);
  }
  // What the Scheduler role may invoke: the per-ticket timers, created at run time.
  const schedulerRoles = ofType("AWS::IAM::Role")
    .filter(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes("scheduler.amazonaws.com"),
    )
    .map(([id]) => id);
  for (const [, policy] of ofType("AWS::IAM::Policy")) {
    if (!(policy.Properties.Roles as unknown[]).some((r) => schedulerRoles.includes(target(r) ?? "")))
      continue;
    for (const s of statementsOf(policy)) {
      if (!actionsOf(s).includes("lambda:InvokeFunction")) continue;
      for (const r of ([] as unknown[]).concat(s.Resource)) {
        const id = target(r);
        if (isFunction(id)) found.add(id);
      }
    }
  }
  for (const [, rule] of ofType("AWS::SES::ReceiptRule")) {
    for (const action of (rule.Properties.Rule as { Actions: { LambdaAction?: Record<string, unknown> }[] })
      .Actions) {
      const id = target(action.LambdaAction?.FunctionArn);
      if (action.LambdaAction?.InvocationType === "Event" && isFunction(id)) found.add(id);
    }
  }
  return found;
}

describe("failed asynchronous invocations", () => {
  it("come from all six functions: inbound (SES), outbox (sweep), timers, ticket-events, ses-events, crons", () => {
    const all = synth
      .functions()
      .map(([id]) => id)
      .sort();
    expect(all).toHaveLength(6);
    expect([...asyncFunctions()].sort()).toEqual(all);
  });

  it("are kept: each function has an SQS on-failure destination or dead-letter queue", () => {
    const { resources, ofType } = synth;
    const isQueue = (value: unknown) => resources[target(value) ?? ""]?.Type === "AWS::SQS::Queue";
    const keeps = (id: string) => {
      const dlq = (resources[id]?.Properties.DeadLetterConfig as { TargetArn?: unknown } | undefined)
        ?.TargetArn;
      if (isQueue(dlq)) return true;
      return ofType("AWS::Lambda::EventInvokeConfig").some(
        ([, c]) =>
          target(c.Properties.FunctionName) === id &&
          c.Properties.Qualifier === "$LATEST" &&
          isQueue(
            (c.Properties.DestinationConfig as { OnFailure?: { Destination: unknown } })?.OnFailure
              ?.Destination,
          ),
      );
    };
    expect([...asyncFunctions()].filter((id) => !keeps(id))).toEqual([]);
  });

  it("raise an alarm: every queue (each holds failed work) has one, which notifies", () => {
    const watched = new Set(
      synth
        .ofType("AWS::CloudWatch::Alarm")
        .filter(
          ([, a]) => a.Properties.Namespace === "AWS/SQS" && (a.Properties.AlarmActions as unknown[])?.length,
        )
        .flatMap(([, a]) => (a.Properties.Dimensions as { Name: string; Value: unknown }[]) ?? [])
        .filter((d) => d.Name === "QueueName")
        .map((d) => target(d.Value)),
    );
    const queues = synth.ofType("AWS::SQS::Queue").map(([id]) => id);
    // inbound DLQ, outbox stream and sweep, timers (Scheduler) and timer invocations, ticket-events
    // (bus delivery and invocations), ses-events (bus delivery and invocations), crons' invocations
    expect(queues).toHaveLength(10);
    expect(queues.filter((q) => !watched.has(q))).toEqual([]);
  });
});
