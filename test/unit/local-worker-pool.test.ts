import { afterEach, describe, expect, it } from "vitest";
import { TimeLimitError, WorkerPool } from "../../infra/local/worker-pool";

/** A worker that computes (blocks its thread) for the milliseconds it is given, then answers them. */
const BUSY_WORKER = new URL(
  `data:text/javascript,${encodeURIComponent(`
    import { serveTasks } from ${JSON.stringify(new URL("../../infra/local/worker-pool.ts", import.meta.url).href)};
    serveTasks(async (ms) => {
      const until = Date.now() + ms;
      while (Date.now() < until);
      return ms;
    });
  `)}`,
);

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
let pool: WorkerPool<number, number> | undefined;
afterEach(async () => {
  await pool?.close();
});

describe("the local runtime's worker pool", () => {
  it("finishes a quick task while another worker computes for seconds", async () => {
    pool = new WorkerPool<number, number>({
      entry: BUSY_WORKER,
      data: {},
      size: 2,
      maxSize: 3,
      timeLimitMs: 30_000,
      log: quiet,
    });
    expect(await pool.run(0)).toBe(0); // both workers up (the first run waits for a boot)
    expect(await pool.run(0)).toBe(0);
    const slow = pool.run(4000);
    await new Promise((resolve) => setTimeout(resolve, 800)); // the busy worker misses its beats
    const started = performance.now();
    for (let i = 0; i < 3; i++) expect(await pool.run(0)).toBe(0);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(await slow).toBe(4000);
  }, 30_000);

  it("stops a task past its time limit with its worker, and goes on with a new one", async () => {
    pool = new WorkerPool<number, number>({
      entry: BUSY_WORKER,
      data: {},
      size: 1,
      maxSize: 1,
      timeLimitMs: 1000,
      log: quiet,
    });
    expect(await pool.run(0)).toBe(0);
    await expect(pool.run(60_000)).rejects.toBeInstanceOf(TimeLimitError);
    expect(await pool.run(10)).toBe(10);
  }, 30_000);
});
