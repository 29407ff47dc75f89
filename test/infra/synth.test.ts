import { Template } from "aws-cdk-lib/assertions";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../infra/app";
import { buildTemplates } from "../../tools/build-templates";
import { bigAviso } from "./aws-synth";
import { synthWithNag } from "./nag";

const aviso = {
  domain: "support.example.com",
  supportAddress: "help@support.example.com",
  technicians: [{ address: "tech@example.com", name: "Tech" }],
  supportLead: "lead@example.com",
  technicianTimeZone: "Europe/Madrid",
  defaultLocale: "es",
  activateReceiptRuleSet: true,
  alarmEmail: "ops@example.com",
};
// These synths check the template, not the bundles: skip esbuild.
const noBundling = { "aws:cdk:bundling-stacks": [] };

beforeAll(() => buildTemplates(), 60_000);
afterEach(() => vi.useRealTimers());

describe("the synth", () => {
  it("passes cdk-nag with a real account and region, not only with unresolved ones", () => {
    const { app } = buildApp(
      { aviso, stackName: "AvisoAccount", ...noBundling },
      { account: "123456789012", region: "eu-west-1" },
    );
    expect(synthWithNag(app)).toEqual({ failed: false, findings: [] });
  }, 180_000);

  it("passes cdk-nag for the deployment of the acceptance: parent-domain zone, 25 technicians, Madrid holidays", () => {
    const { app } = buildApp(
      { aviso: bigAviso, stackName: "AvisoBig", ...noBundling },
      { account: "123456789012", region: "eu-west-1" },
    );
    expect(synthWithNag(app)).toEqual({ failed: false, findings: [] });
  }, 180_000);

  it("does not depend on today's date", () => {
    const templateIn = (year: number) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(`${year}-06-15T12:00:00Z`));
      const { app, stack } = buildApp({ aviso, stackName: "AvisoDated", ...noBundling });
      app.synth();
      vi.useRealTimers();
      return Template.fromStack(stack).toJSON();
    };
    expect(templateIn(2027)).toEqual(templateIn(2034));
  }, 180_000);

  it("draws the dashboard's one-business-day line at the default calendar's working hours", () => {
    const { app, stack } = buildApp({
      aviso: {
        ...aviso,
        defaultCalendar: {
          timeZone: "America/Mexico_City",
          hours: { start: "08:00", end: "15:30" },
          holidays: { country: "MX" },
        },
      },
      stackName: "AvisoCalendar",
      ...noBundling,
    });
    app.synth();
    const dashboard = JSON.stringify(Template.fromStack(stack).findResources("AWS::CloudWatch::Dashboard"));
    expect(dashboard).toContain(`{\\"value\\":7.5,\\"label\\":\\"one business day\\"`);
  }, 180_000);
});
