/**
 * Issue 16 on AWS: attachments are kept in the raw-mail bucket under attachments/ (S3AttachmentStore).
 * Each function may do with them what it does and nothing more: the inbound function keeps them; the
 * outbox reads a technician's to send them; the API keeps (release of held mail), reads (the signed
 * link's presigned GET is signed with its role) and removes (forgetting); the crons remove (retention).
 * Reading and removing list a prefix first, so those may list the bucket under attachments/ only. The
 * bucket's lifecycle expires attachments like the raw mail. The public route of the signed links has no
 * authorizer.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ATTACHMENTS_PREFIX } from "../../functions/adapters/s3-attachments";
import { actionsOf, bigAviso, type Resources, statementsOf, synthAws, target } from "./aws-synth";

let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 240_000);

const rawBucket = () => {
  const found = synth.ofType("AWS::S3::Bucket").filter(([id]) => id.startsWith("MailInRawMail"));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resources[string]];
};

const fn = (prefix: string) => {
  const found = synth.functions().filter(([id]) => id.startsWith(prefix));
  expect(found, prefix).toHaveLength(1);
  return (found[0] as [string, Resources[string]])[1];
};

/** The statements of a function's role that name the raw-mail bucket and concern attachments/. */
function attachmentStatements(f: Resources[string]) {
  const [bucket] = rawBucket();
  const role = target(f.Properties.Role);
  return synth
    .ofType("AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => target(r) === role))
    .flatMap(([, p]) => statementsOf(p))
    .filter((s) => JSON.stringify(s.Resource).includes(`"${bucket}"`))
    .filter((s) => JSON.stringify([s.Resource, s.Condition]).includes(ATTACHMENTS_PREFIX));
}

/** What a function may do under attachments/: object actions, and whether it may list that prefix. */
function grantsOf(f: Resources[string]) {
  const [bucket] = rawBucket();
  const statements = attachmentStatements(f);
  const objects = statements.filter((s) => !actionsOf(s).includes("s3:ListBucket"));
  for (const s of objects) {
    expect(s.Effect).toBe("Allow");
    // The attachments' keys alone: not the raw mail, not the bucket.
    expect(s.Resource).toEqual({
      "Fn::Join": ["", [{ "Fn::GetAtt": [bucket, "Arn"] }, `/${ATTACHMENTS_PREFIX}*`]],
    });
  }
  const lists = statements.filter((s) => actionsOf(s).includes("s3:ListBucket"));
  for (const s of lists) {
    expect(actionsOf(s).filter((a) => a !== "s3:ListBucket")).toEqual(
      objects.flatMap(actionsOf).includes("s3:DeleteObjectVersion") ? ["s3:ListBucketVersions"] : [],
    );
    expect(target(s.Resource)).toBe(bucket);
    expect(s.Condition).toEqual({ StringLike: { "s3:prefix": [`${ATTACHMENTS_PREFIX}*`] } });
  }
  return {
    objects: objects.flatMap(actionsOf).map(String).sort(),
    lists: lists.length,
  };
}

describe("who may do what with kept attachments", () => {
  it("the inbound function keeps them and does nothing else with them", () => {
    expect(grantsOf(fn("MailInFunction"))).toEqual({ objects: ["s3:PutObject"], lists: 0 });
  });

  it("the outbox reads them (a technician's files go out on the client's mail), finding each by its prefix", () => {
    expect(grantsOf(fn("OutboxFunction"))).toEqual({ objects: ["s3:GetObject"], lists: 1 });
  });

  it("the API keeps (release), reads (the presigned GET of a signed link) and removes (forgetting)", () => {
    expect(grantsOf(fn("ApiTicketEventsFunction"))).toEqual({
      objects: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:PutObject"],
      lists: 1,
    });
  });

  it("the crons remove an expired ticket's files (retention)", () => {
    expect(grantsOf(fn("TimersCronsFunction"))).toEqual({
      objects: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      lists: 1,
    });
  });

  it("the timers and SES-events functions may not touch them", () => {
    for (const prefix of ["TimersFunction", "OutboxSesEventsFunction"])
      expect(attachmentStatements(fn(prefix)), prefix).toEqual([]);
  });

  it("every function finds the bucket in RAW_BUCKET (the store's bucket)", () => {
    const [bucket] = rawBucket();
    for (const prefix of [
      "MailInFunction",
      "OutboxFunction",
      "ApiTicketEventsFunction",
      "TimersCronsFunction",
    ]) {
      const variables = (fn(prefix).Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(target(variables.RAW_BUCKET), prefix).toBe(bucket);
    }
  });
});

describe("the raw-mail bucket's lifecycle", () => {
  it("expires attachments/ after rawMailRetentionDays like inbound/: its one rule has no prefix or filter", () => {
    const [, bucket] = rawBucket();
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const expiring = rules.filter((rule) => rule.Status === "Enabled" && rule.ExpirationInDays !== undefined);
    expect(expiring).toHaveLength(1);
    const [rule] = expiring as [Record<string, unknown>];
    expect(rule.ExpirationInDays).toBe(400);
    expect(rule.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 30 });
    for (const narrowing of ["Prefix", "TagFilters", "ObjectSizeGreaterThan", "ObjectSizeLessThan"])
      expect(rule[narrowing], narrowing).toBeUndefined();
  });

  it("follows the configured retention", async () => {
    const shorter = await synthAws({ ...bigAviso, rawMailRetentionDays: 90 }, "AvisoShortRetention");
    const [, bucket] = shorter.ofType("AWS::S3::Bucket").find(([id]) => id.startsWith("MailInRawMail")) as [
      string,
      Resources[string],
    ];
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules.map((rule) => [rule.ExpirationInDays, rule.Prefix])).toEqual([[90, undefined]]);
  }, 240_000);
});

describe("the signed link's route", () => {
  it("GET /attachments/{ticketId}/{sha256} is public (the signature is the authorization) and reaches the API function", () => {
    const routes = synth
      .ofType("AWS::ApiGatewayV2::Route")
      .filter(([, r]) => String(r.Properties.RouteKey).startsWith("GET /attachments/"));
    expect(routes.map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType])).toEqual([
      ["GET /attachments/{ticketId}/{sha256}", "NONE"],
    ]);
  });
});
