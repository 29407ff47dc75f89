import { describe, expect, it } from "vitest";
import { ClockGate } from "../../infra/local/clock-gate";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the local runtime's clock gate", () => {
  it("runs mail and events side by side, and a clock jump alone once they are done", async () => {
    const gate = new ClockGate();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name} start`);
      await pause(ms);
      log.push(`${name} end`);
    };
    const first = gate.shared(task("mail 1", 30));
    const second = gate.shared(task("mail 2", 10));
    const jump = gate.exclusive(task("jump", 20));
    // Arrives while the jump waits: it must wait for the jump, not slip in before it.
    const third = gate.shared(task("mail 3", 5));
    await Promise.all([first, second, jump, third]);
    expect(log).toEqual([
      "mail 1 start",
      "mail 2 start",
      "mail 2 end",
      "mail 1 end",
      "jump start",
      "jump end",
      "mail 3 start",
      "mail 3 end",
    ]);
  });

  it("passes on a task's failure and stays usable", async () => {
    const gate = new ClockGate();
    await expect(gate.exclusive(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(gate.shared(async () => Promise.reject(new Error("bang")))).rejects.toThrow("bang");
    expect(await gate.exclusive(async () => "after")).toBe("after");
    expect(await gate.shared(async () => "still")).toBe("still");
  });
});
