/**
 * Issue 17: the similar-incidents index lives in a bucket of its own (one object, INCIDENT_INDEX_KEY).
 * The outbox (notices, resolutions), the API (forgetting a client) and the crons (retention) may read
 * and replace that object and nothing else in it; every other function knows nothing of it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { INCIDENT_INDEX_KEY } from "../../functions/adapters/incident-index-s3";
import { actionsOf, type Resources, statementsOf, synthAws, target } from "./aws-synth";

let resources: Resources;
let ofType: Awaited<ReturnType<typeof synthAws>>["ofType"];
let functions: Awaited<ReturnType<typeof synthAws>>["functions"];
beforeAll(async () => {
  ({ resources, ofType, functions } = await synthAws());
}, 180_000);

const indexBucket = () => {
  const found = ofType("AWS::S3::Bucket").filter(([id]) => id.startsWith("Incidents"));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resources[string]];
};

const variables = (fn: Resources[string]) =>
  (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

/** The S3 statements of a function's role that name the index bucket. */
function indexStatements(fn: Resources[string], bucket: string) {
  const role = target(fn.Properties.Role);
  return ofType("AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => target(r) === role))
    .flatMap(([, p]) => statementsOf(p))
    .filter((s) => JSON.stringify(s.Resource).includes(`"${bucket}"`));
}

describe("the similar-incidents index's bucket", () => {
  it("is encrypted, private, SSL-only, logged under similar-incidents/, kept, without versions or expiry", () => {
    const [id, bucket] = indexBucket();
    expect(bucket.DeletionPolicy).toBe("Retain");
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.LifecycleConfiguration).toBeUndefined();
    const logging = bucket.Properties.LoggingConfiguration as Record<string, unknown>;
    expect(logging.LogFilePrefix).toBe("similar-incidents/");
    expect(target(logging.DestinationBucketName)).toMatch(/^MailInAccessLogs/);

    const policy = ofType("AWS::S3::BucketPolicy").find(([, p]) => target(p.Properties.Bucket) === id);
    const denyInsecure = statementsOf(policy?.[1] as Resources[string]).find(
      (s) => s.Effect === "Deny" && JSON.stringify(s.Condition).includes("aws:SecureTransport"),
    );
    expect(denyInsecure).toBeDefined();
  });

  it("the outbox, ticket-events and crons functions get its name and may read and replace the index object alone", () => {
    const [bucket] = indexBucket();
    const granted = functions().filter(([, fn]) => variables(fn).INCIDENT_INDEX_BUCKET !== undefined);
    expect(granted.map(([id]) => id.replace(/[A-F0-9]{8}$/, "")).sort()).toEqual([
      "ApiTicketEventsFunction",
      "OutboxFunction",
      "TimersCronsFunction",
    ]);
    for (const [, fn] of granted) {
      expect(target(variables(fn).INCIDENT_INDEX_BUCKET)).toBe(bucket);
      const statements = indexStatements(fn, bucket);
      expect(statements).toHaveLength(2);
      const object = statements.find((s) => actionsOf(s).includes("s3:GetObject"));
      expect(actionsOf(object ?? {}).sort()).toEqual(["s3:GetObject", "s3:PutObject"]);
      // The one key: no wildcard, so no other object of the bucket can be read or written.
      expect(object?.Resource).toEqual({
        "Fn::Join": ["", [{ "Fn::GetAtt": [bucket, "Arn"] }, `/${INCIDENT_INDEX_KEY}`]],
      });
      const list = statements.find((s) => actionsOf(s).includes("s3:ListBucket"));
      expect(actionsOf(list ?? {})).toEqual(["s3:ListBucket"]);
      expect(target(list?.Resource)).toBe(bucket);
    }
  });

  it("Scheduler's variables go only to the functions allowed to manage schedules (room in the API's environment for the index)", () => {
    const schedulersFound: string[] = [];
    for (const [id, fn] of functions()) {
      const role = target(fn.Properties.Role);
      const manages = ofType("AWS::IAM::Policy")
        .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => target(r) === role))
        .flatMap(([, p]) => statementsOf(p))
        .some((s) => actionsOf(s).includes("scheduler:CreateSchedule"));
      const env = variables(fn);
      for (const name of ["SCHEDULE_GROUP", "SCHEDULER_ROLE_ARN", "TIMERS_DLQ_ARN"])
        expect(name in env, `${id} ${name}`).toBe(manages);
      if (manages) schedulersFound.push(id.replace(/[A-F0-9]{8}$/, ""));
    }
    expect(schedulersFound.sort()).toEqual(["OutboxFunction", "TimersCronsFunction"]);
  });

  it("no other function is given the index or may touch its bucket", () => {
    const [bucket] = indexBucket();
    const others = functions().filter(([, fn]) => variables(fn).INCIDENT_INDEX_BUCKET === undefined);
    expect(others.length).toBeGreaterThan(0);
    for (const [, fn] of others) expect(indexStatements(fn, bucket)).toEqual([]);
    expect(Object.keys(resources).some((id) => id.startsWith("Incidents"))).toBe(true);
  });
});
