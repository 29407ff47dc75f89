import { Template } from "aws-cdk-lib/assertions";
import { buildApp } from "../../infra/app";
import { buildTemplates } from "../../tools/build-templates";

/*
 * The deployment the acceptance names, synthesized as AWS will see it: a literal account and
 * region, a hosted zone of the PARENT domain, 25 technicians and Madrid's national and regional
 * holidays. The infra contract tests hold this template against AWS's documented contracts.
 */
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

export const bigAviso = {
  domain: "support.example.com",
  supportAddress: "help@support.example.com",
  technicians: Array.from({ length: 25 }, (_, i) => ({
    address: `technician.number${i + 1}@example.com`,
    name: `Técnico Número ${i + 1} de Soporte`,
  })),
  supportLead: "lead@example.com",
  technicianTimeZone: "Europe/Madrid",
  defaultLocale: "es",
  defaultCalendar: {
    timeZone: "Europe/Madrid",
    hours: { start: "09:00", end: "18:00" },
    holidays: { country: "ES", region: "MD" },
  },
  hostedZone: { id: "Z0123456789", name: "example.com" },
  activateReceiptRuleSet: true,
  alarmEmail: "ops@example.com",
};
/** Synths that check the template, not the bundles, skip esbuild. */
export const noBundling = { "aws:cdk:bundling-stacks": [] };

export type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }
>;

/** Synthesizes `aviso` (the big deployment unless given) with the literal account and region. */
export async function synthAws(aviso: Record<string, unknown> = bigAviso, stackName = "AvisoAws") {
  await buildTemplates();
  const { app, stack } = buildApp({ aviso, stackName, ...noBundling }, { account: ACCOUNT, region: REGION });
  app.synth();
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Resources;
  return {
    template,
    resources,
    ofType: (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type),
    /** aviso's own functions (not CDK's custom-resource provider). */
    functions: () =>
      Object.entries(resources).filter(
        ([id, r]) => r.Type === "AWS::Lambda::Function" && !id.startsWith("AWS"),
      ),
  };
}

/** The logical id a `{Ref}` or `{Fn::GetAtt: [id, …]}` points at. */
export function target(value: unknown): string | undefined {
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === "string") return v.Ref;
    if (Array.isArray(v["Fn::GetAtt"])) return v["Fn::GetAtt"][0] as string;
  }
  return undefined;
}

/** A policy document's statements. */
export function statementsOf(policy: { Properties: Record<string, unknown> }, key = "PolicyDocument") {
  return (policy.Properties[key] as { Statement: Record<string, unknown>[] }).Statement;
}

export const actionsOf = (statement: Record<string, unknown>) => ([] as unknown[]).concat(statement.Action);
