import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The file the stack writes into every function's bundle, beside its index.mjs. */
export const SHIPPED_CONFIG_FILE = "aviso-config.json";

/**
 * The configuration JSON the stack shipped with this function's code (holidays written out, the
 * technicians, the policy: everything that would not fit Lambda's 4 KB environment), with the one
 * value only a deploy knows, the feedback URL (`AVISO_FEEDBACK_URL`), added. `AVISO_CONFIG`, where set
 * (the local runtime, tests), is taken as it is. For deps.ts:
 * `configFromEnv({ ...process.env, AVISO_CONFIG: shippedConfig() }, …)`.
 */
export function shippedConfig(
  env: NodeJS.ProcessEnv = process.env,
  dir: string = fileURLToPath(new URL(".", import.meta.url)),
): string {
  if (env.AVISO_CONFIG) return env.AVISO_CONFIG;
  const path = join(dir, SHIPPED_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(
      `${SHIPPED_CONFIG_FILE} is not in the function's bundle (${path}): ${(error as Error).message}`,
    );
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new Error(`${SHIPPED_CONFIG_FILE} (${path}) is not valid JSON: ${(error as Error).message}`);
  }
  if (env.AVISO_FEEDBACK_URL) config.feedbackUrl = env.AVISO_FEEDBACK_URL;
  return JSON.stringify(config);
}
