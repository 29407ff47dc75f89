// Starts a worker thread of the local runtime on TypeScript source: tsx's loader first, then the
// module named in workerData.entry (see worker-pool.ts). Plain JavaScript, since nothing compiles it.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
