/**
 * Mail, events and timers are handled side by side, as Lambdas are on AWS. A jump of the clock
 * (POST /_clock/advance) waits for them to finish and runs alone, so nothing is decided mid-jump.
 */
export class ClockGate {
  private running = 0;
  private jump: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  /**
   * Runs a task beside the others. When no jump is under way the task counts as running from the
   * call itself (synchronously), so a jump asked for afterwards waits for it.
   */
  async shared<T>(task: () => Promise<T>): Promise<T> {
    while (this.jump) await this.jump;
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      if (this.running === 0) this.idle?.();
    }
  }

  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    while (this.jump) await this.jump;
    let done = () => {};
    this.jump = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      if (this.running > 0)
        await new Promise<void>((resolve) => {
          this.idle = resolve;
        });
      this.idle = undefined;
      return await task();
    } finally {
      this.jump = undefined;
      done();
    }
  }
}
