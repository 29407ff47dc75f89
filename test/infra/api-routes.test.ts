import { beforeAll, describe, expect, it } from "vitest";
import { type Resources, statementsOf, synthAws, target } from "./aws-synth";
import { validateTemplate } from "./registry-schema";

/*
 * The HTTP API on AWS as the template has it (literal account and region, the acceptance deployment):
 * which route answers with which authorizer (issue 14: the admin routes are IAM routes; issue 15,
 * item 12: the lead's page signs in with Cognito and reads with a JWT), and what the API function may
 * do with the raw mail. The route keys are written out here, not taken from the route map, so a route
 * dropped or moved there fails this test.
 */
let resources: Resources;
let template: { Resources: Resources };
beforeAll(async () => {
  const synth = await synthAws();
  resources = synth.resources;
  template = synth.template.toJSON() as { Resources: Resources };
}, 240_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const routes = () =>
  Object.fromEntries(
    ofType("AWS::ApiGatewayV2::Route").map(([, r]) => [r.Properties.RouteKey as string, r.Properties]),
  );

const ADMIN = [
  "GET /quarantine",
  "POST /quarantine/{id}/release",
  "POST /quarantine/{id}/discard",
  "GET /flags",
  "DELETE /flags/{address}",
  "DELETE /clients/{address}",
  "POST /forget",
];
const TICKETS = ["GET /tickets", "GET /tickets/{id}", "POST /tickets/{id}/events", "GET /feedback"];
const LEAD_READS = [
  "GET /lead/tickets",
  "GET /lead/tickets/{id}",
  "GET /lead/feedback",
  "GET /lead/quarantine",
  "POST /lead/quarantine/{id}/release",
  "POST /lead/quarantine/{id}/discard",
  "GET /lead/flags",
  "DELETE /lead/flags/{address}",
];
const PUBLIC = [
  "GET /lead",
  "GET /feedback/{id}",
  "POST /feedback/{id}",
  "GET /status/{id}",
  "POST /status/{id}",
  "GET /attachments/{ticketId}/{sha256}",
];

describe("the HTTP API's routes", () => {
  it("has every admin route, IAM-authorized", () => {
    const all = routes();
    for (const key of [...ADMIN, ...TICKETS]) {
      expect(all[key], key).toBeDefined();
      expect(all[key]?.AuthorizationType, key).toBe("AWS_IAM");
    }
  });

  it("has the lead's page public and what it reads under /lead behind the user pool's JWT authorizer", () => {
    const all = routes();
    const authorizers = ofType("AWS::ApiGatewayV2::Authorizer");
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0] as [string, Resources[string]];
    expect(authorizer.Properties.AuthorizerType).toBe("JWT");
    const jwt = authorizer.Properties.JwtConfiguration as { Audience: unknown[]; Issuer: unknown };
    const [clientId] = ofType("AWS::Cognito::UserPoolClient")[0] as [string, unknown];
    const [poolId] = ofType("AWS::Cognito::UserPool")[0] as [string, unknown];
    expect(jwt.Audience.map(target)).toEqual([clientId]);
    expect(JSON.stringify(jwt.Issuer)).toContain("https://cognito-idp.");
    expect(JSON.stringify(jwt.Issuer)).toContain(`"Ref":"${poolId}"`);
    for (const key of LEAD_READS) {
      expect(all[key], key).toBeDefined();
      expect(all[key]?.AuthorizationType, key).toBe("JWT");
      expect(target(all[key]?.AuthorizerId), key).toBe(authorizerId);
      // Access tokens only: an ID token has no scope.
      expect(all[key]?.AuthorizationScopes, key).toEqual(["openid"]);
    }
    for (const key of PUBLIC) expect(all[key]?.AuthorizationType, key).toBe("NONE");
  });

  it("has no other route, so nothing is public or signed by mistake; the local clock is not there", () => {
    expect(Object.keys(routes()).sort()).toEqual([...ADMIN, ...TICKETS, ...LEAD_READS, ...PUBLIC].sort());
    expect(Object.keys(routes()).some((key) => key.includes("_clock"))).toBe(false);
  });
});

describe("the lead's sign-in", () => {
  it("is a user pool nobody signs up to, with strong passwords, MFA and threat protection", () => {
    const [[, pool]] = ofType("AWS::Cognito::UserPool") as [[string, Resources[string]]];
    expect(pool.Properties.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
    expect(pool.Properties.MfaConfiguration).toBe("ON");
    expect(pool.Properties.EnabledMfas).toEqual(["SOFTWARE_TOKEN_MFA"]);
    expect(pool.Properties.UserPoolTier).toBe("PLUS");
    expect(
      (pool.Properties.Policies as { PasswordPolicy: { MinimumLength: number } }).PasswordPolicy
        .MinimumLength,
    ).toBeGreaterThanOrEqual(12);
  });

  it("has a public app client for the page: authorization code (PKCE in the page), no secret, back to the page only", () => {
    const clients = ofType("AWS::Cognito::UserPoolClient");
    expect(clients).toHaveLength(1);
    const client = (clients[0] as [string, Resources[string]])[1].Properties;
    expect(client.GenerateSecret).toBe(false);
    expect(client.AllowedOAuthFlows).toEqual(["code"]);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.SupportedIdentityProviders).toEqual(["COGNITO"]);
    const [callback] = client.CallbackURLs as unknown[];
    expect(client.CallbackURLs).toHaveLength(1);
    const api = ofType("AWS::ApiGatewayV2::Api")[0]?.[0];
    expect(JSON.stringify(callback)).toContain(`"Fn::GetAtt":["${api}","ApiEndpoint"]`);
    expect(JSON.stringify(callback)).toMatch(/\/lead"\]\]\}$/);
    expect(client.LogoutURLs).toEqual(client.CallbackURLs);
  });

  it("has a Cognito domain for the managed login pages, whose prefix Cognito accepts", () => {
    const [[, domain]] = ofType("AWS::Cognito::UserPoolDomain") as [[string, Resources[string]]];
    // With a literal account the stack writes the prefix out.
    const prefix = domain.Properties.Domain as string;
    expect(prefix).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/);
    expect(prefix).not.toMatch(/aws|amazon|cognito/);
    expect(prefix).toContain("123456789012");
  });

  it("invites the configured support lead by e-mail", () => {
    const users = ofType("AWS::Cognito::UserPoolUser");
    expect(users).toHaveLength(1);
    const user = (users[0] as [string, Resources[string]])[1].Properties;
    expect(user.Username).toBe("lead@example.com");
    expect(user.DesiredDeliveryMediums).toEqual(["EMAIL"]);
    expect(user.UserAttributes).toContainEqual({ Name: "email", Value: "lead@example.com" });
  });

  it("names the page and the user pool in the stack's outputs, for ops", () => {
    const outputs = Object.entries(
      (template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs,
    );
    const page = outputs.find(([id]) => id.includes("LeadPageUrl"))?.[1].Value;
    expect(JSON.stringify(page)).toMatch(/ApiEndpoint"\]\},"\/lead"\]\]\}$/);
    const pool = outputs.find(([id]) => id.includes("LeadUserPoolId"))?.[1].Value;
    expect(target(pool)).toBe(ofType("AWS::Cognito::UserPool")[0]?.[0]);
  });

  it("tells the API function where the lead signs in", () => {
    const fn = Object.values(resources).find(
      (r) =>
        r.Type === "AWS::Lambda::Function" &&
        (r.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.LEAD_CLIENT_ID,
    );
    const variables = (fn?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)
      ?.Variables as Record<string, unknown>;
    expect(target(variables.LEAD_CLIENT_ID)).toBe(ofType("AWS::Cognito::UserPoolClient")[0]?.[0]);
    expect(JSON.stringify(variables.LEAD_SIGN_IN_URL)).toContain(".amazoncognito.com");
  });

  it("passes the registry schemas of what it adds", () => {
    const added = ["AWS::Cognito::", "AWS::ApiGatewayV2::"];
    expect(
      validateTemplate(template).filter((p) =>
        added.some((prefix) => p.path.startsWith(prefix) || p.problem.includes(prefix)),
      ),
    ).toEqual([]);
  });
});

describe("a deployment without a support lead", () => {
  it("has the sign-in and the routes, and invites nobody (ops invite through the user pool)", async () => {
    const { bigAviso } = await import("./aws-synth");
    const { supportLead: _lead, ...noLead } = bigAviso;
    const synth = await synthAws(noLead, "AvisoNoLead");
    expect(synth.ofType("AWS::Cognito::UserPool")).toHaveLength(1);
    expect(synth.ofType("AWS::Cognito::UserPoolUser")).toHaveLength(0);
    expect(synth.ofType("AWS::ApiGatewayV2::Route")).toHaveLength(Object.keys(routes()).length);
  }, 240_000);
});

describe("what the API function may do with raw mail", () => {
  it("reads and deletes (every version) under inbound/ of the raw-mail bucket, lists its versions there, and nothing more", () => {
    const fn = Object.entries(resources).find(
      ([, r]) =>
        r.Type === "AWS::Lambda::Function" &&
        (r.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.LEAD_CLIENT_ID,
    );
    const role = target(fn?.[1].Properties.Role);
    const bucket = ofType("AWS::S3::Bucket").find(([id]) => id.includes("RawMail"))?.[0] as string;
    const s3Statements = ofType("AWS::IAM::Policy")
      .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => target(r) === role))
      .flatMap(([, p]) => statementsOf(p))
      .filter((s) => ([] as unknown[]).concat(s.Action).some((a) => String(a).startsWith("s3:")))
      // The similar-incidents index's grants are asserted in incidents-bucket.test.ts.
      .filter((s) => JSON.stringify(s.Resource).includes(`"${bucket}"`))
      // Those on attachments/ (keep, read, remove kept attachments), in attachments-grants.test.ts.
      .filter((s) => !JSON.stringify([s.Resource, s.Condition]).includes("attachments/"));
    expect(s3Statements).toHaveLength(2);
    const objects = s3Statements.find((s) => ([] as unknown[]).concat(s.Action).includes("s3:GetObject"));
    expect(objects?.Action).toEqual(["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]);
    expect(JSON.stringify(objects?.Resource)).toContain(`"Fn::GetAtt":["${bucket}","Arn"]`);
    expect(JSON.stringify(objects?.Resource)).toContain("/inbound/*");
    const versions = s3Statements.find((s) => s.Action === "s3:ListBucketVersions");
    expect(target(versions?.Resource)).toBe(bucket);
    expect(versions?.Condition).toEqual({ StringLike: { "s3:prefix": ["inbound/*"] } });
  });
});
