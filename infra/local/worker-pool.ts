import { parentPort, Worker } from "node:worker_threads";
import type { Logger } from "../../functions/app/apply";

/** A worker says it is alive this often; one silent for STALL_MS is busy computing. */
const BEAT_MS = 100;
const STALL_MS = 500;
const BOOT = new URL("./worker-boot.mjs", import.meta.url);

type Level = "info" | "warn" | "error";
type FromWorker<O> =
  | { beat: true }
  | { id: number; output: O }
  | { id: number; error: string }
  | { log: { level: Level; message: string; data?: Record<string, unknown> } };

interface Task<I, O> {
  id: number;
  input: I;
  startedAt: number;
  resolve(output: O): void;
  reject(error: Error): void;
}

interface Member<I, O> {
  worker: Worker;
  tasks: Map<number, Task<I, O>>;
  lastBeat: number;
  booting: boolean;
}

export interface PoolOptions {
  /** The worker module (a file URL of TypeScript source) that calls serveTasks. */
  entry: URL;
  /** Given to every worker (structured clone). */
  data: unknown;
  /** Workers kept running. */
  size: number;
  /** Workers at most, when all of them are busy computing. */
  maxSize: number;
  /** A task running longer is stopped with its worker (as a Lambda's timeout stops it). */
  timeLimitMs: number;
  log: Logger;
}

export class TimeLimitError extends Error {
  constructor(limitMs: number) {
    super(`not done within ${Math.round(limitMs / 1000)} s`);
    this.name = "TimeLimitError";
  }
}

/**
 * Tasks in worker threads, as Lambda invocations run apart on AWS: one that computes for seconds
 * blocks neither the runtime's own thread (SMTP, the API, timers) nor the tasks given to other
 * workers. A new task goes to the least loaded worker that is not busy computing (it still beats),
 * or to a new worker up to maxSize; a task past the time limit is stopped with its worker, and the
 * other tasks of that worker are given again.
 */
export class WorkerPool<I, O> {
  private members: Member<I, O>[] = [];
  private nextId = 1;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.spawn();
    this.watchdog = setInterval(() => this.enforceTimeLimit(), 250);
    this.watchdog.unref();
  }

  run(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) =>
      this.assign({ id: this.nextId++, input, startedAt: Date.now(), resolve, reject }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    const members = this.members.splice(0);
    for (const member of members)
      for (const task of member.tasks.values()) task.reject(new Error("the runtime stopped"));
    await Promise.all(members.map((member) => member.worker.terminate()));
  }

  private assign(task: Task<I, O>) {
    if (this.closed) return task.reject(new Error("the runtime stopped"));
    const now = Date.now();
    let candidates = this.members.filter((m) => m.booting || now - m.lastBeat < STALL_MS);
    if (candidates.length === 0 && this.members.length < this.options.maxSize) candidates = [this.spawn()];
    if (candidates.length === 0) candidates = this.members;
    const member = candidates.reduce((a, b) => (b.tasks.size < a.tasks.size ? b : a));
    task.startedAt = now;
    member.tasks.set(task.id, task);
    member.worker.postMessage({ id: task.id, input: task.input });
  }

  private spawn(): Member<I, O> {
    const worker = new Worker(BOOT, {
      workerData: { entry: this.options.entry.href, data: this.options.data },
    });
    worker.unref();
    const member: Member<I, O> = { worker, tasks: new Map(), lastBeat: Date.now(), booting: true };
    worker.on("message", (message: FromWorker<O>) => this.receive(member, message));
    worker.on("error", (error) => this.retire(member, error));
    worker.on("exit", (code) => this.retire(member, new Error(`the worker stopped (exit code ${code})`)));
    this.members.push(member);
    return member;
  }

  private receive(member: Member<I, O>, message: FromWorker<O>) {
    member.lastBeat = Date.now();
    if ("beat" in message) {
      member.booting = false;
    } else if ("log" in message) {
      this.options.log[message.log.level](message.log.message, message.log.data);
    } else {
      const task = member.tasks.get(message.id);
      if (!task) return;
      member.tasks.delete(message.id);
      if ("error" in message) task.reject(new Error(message.error));
      else task.resolve(message.output);
    }
  }

  /** A worker that died: its tasks fail (a crash is not retried blindly), and it is replaced. */
  private retire(member: Member<I, O>, error: Error) {
    if (!this.members.includes(member)) return;
    this.members = this.members.filter((m) => m !== member);
    for (const task of member.tasks.values()) task.reject(error);
    if (!this.closed && this.members.length < this.options.size) this.spawn();
  }

  /** The longest-running task past the limit is stopped with its worker; that worker's others go on elsewhere. */
  private enforceTimeLimit() {
    const now = Date.now();
    for (const member of [...this.members]) {
      const oldest = [...member.tasks.values()].reduce<Task<I, O> | undefined>(
        (a, b) => (!a || b.startedAt < a.startedAt ? b : a),
        undefined,
      );
      if (!oldest || now - oldest.startedAt <= this.options.timeLimitMs) continue;
      this.members = this.members.filter((m) => m !== member);
      void member.worker.terminate();
      oldest.reject(new TimeLimitError(this.options.timeLimitMs));
      member.tasks.delete(oldest.id);
      if (this.members.length < this.options.size) this.spawn();
      for (const task of member.tasks.values()) this.assign(task);
    }
  }
}

/** In a worker: takes tasks from the pool, one handler call each, side by side; beats meanwhile. */
export function serveTasks<I, O>(handle: (input: I, log: Logger) => Promise<O>) {
  const port = parentPort;
  if (!port) throw new Error("serveTasks runs in a worker thread");
  const send = (level: Level) => (message: string, data?: Record<string, unknown>) =>
    port.postMessage({
      log: { level, message, ...(data ? { data: JSON.parse(JSON.stringify(data)) } : {}) },
    });
  const log: Logger = { info: send("info"), warn: send("warn"), error: send("error") };
  port.on("message", ({ id, input }: { id: number; input: I }) => {
    handle(input, log).then(
      (output) => port.postMessage({ id, output }),
      (error: unknown) =>
        port.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  setInterval(() => port.postMessage({ beat: true }), BEAT_MS);
  port.postMessage({ beat: true });
}
