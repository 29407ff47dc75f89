import { describe, expect, it } from "vitest";
import { LocalClock } from "../../infra/local/clock";
import { LOCAL_CONFIG_DEFAULTS, localConfig } from "../../infra/local/defaults";

describe("the local runtime's configuration", () => {
  it("has the development defaults of its own, whatever the AWS schema defaults", () => {
    const config = localConfig({}, { apiPort: 3999 });
    expect(config.supportAddress).toBe(LOCAL_CONFIG_DEFAULTS.supportAddress);
    expect(config.technicians).toEqual(LOCAL_CONFIG_DEFAULTS.technicians);
    expect(config.tokenSecret).toBe(LOCAL_CONFIG_DEFAULTS.tokenSecret);
    expect(config.trustLocalTechnicians).toBe(true);
    expect(config.accountManager).toBe("cuentas@aviso.localhost");
    expect(config.supportLead).toBe("lead@aviso.localhost");
    expect(config.feedbackUrl).toBe("http://127.0.0.1:3999/feedback");
  });

  it("layers defaults < AVISO_CONFIG < single AVISO_* variables < the runtime's options", () => {
    const env = {
      AVISO_CONFIG: JSON.stringify({
        technicians: [{ address: "ops@example.com" }],
        tokenSecret: "from-aviso-config-0123456789",
        trustLocalTechnicians: false,
        supportAddress: "json@example.com",
      }),
      AVISO_TOKEN_SECRET: "from-the-variable-0123456789",
      AVISO_SUPPORT_LEAD: "boss@example.com",
    };
    const config = localConfig(env, { apiPort: 3000, supportAddress: "option@example.com" });
    expect(config.technicians).toEqual([{ address: "ops@example.com" }]);
    expect(config.tokenSecret).toBe("from-the-variable-0123456789");
    expect(config.trustLocalTechnicians).toBe(false);
    expect(config.supportAddress).toBe("option@example.com");
    expect(config.supportLead).toBe("boss@example.com");
    expect(config.accountManager).toBe("cuentas@aviso.localhost");
  });

  it("says what is wrong with an unreadable AVISO_CONFIG", () => {
    expect(() => localConfig({ AVISO_CONFIG: "{nope" }, { apiPort: 3000 })).toThrow(/AVISO_CONFIG/);
  });
});

describe("the local runtime's clock", () => {
  it("frozen, moves only when advanced", async () => {
    const clock = new LocalClock(0);
    clock.freeze();
    const frozen = clock.now().getTime();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now().getTime()).toBe(frozen);
    await clock.advanceTo(frozen + 3_600_000);
    expect(clock.now().getTime()).toBe(frozen + 3_600_000);
    clock.thaw();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now().getTime()).toBeGreaterThan(frozen + 3_600_000);
  });
});
