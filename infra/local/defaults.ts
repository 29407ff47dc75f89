import { type AvisoConfig, configFromEnv } from "../../functions/config";

/**
 * What `npm start` runs with when nothing else is said. These live here only: the AWS configuration
 * has no default secret and no default technician, so a deployment cannot inherit them by omission.
 */
export const LOCAL_CONFIG_DEFAULTS = {
  supportAddress: "support@aviso.localhost",
  technicians: [
    { address: "tech@aviso.localhost", name: "Técnico Local" },
    { address: "tech2@aviso.localhost", name: "Second Technician" },
  ],
  accountManager: "cuentas@aviso.localhost",
  supportLead: "lead@aviso.localhost",
  /** Public: it signs nothing that leaves this machine. */
  tokenSecret: "aviso-local-development-secret",
  /** Local mail carries no SPF, DKIM or DMARC verdicts, so the allow-list alone makes a technician here. */
  trustLocalTechnicians: true,
  feedbackUrl: "http://127.0.0.1:3000/feedback",
};

/**
 * The local runtime's configuration, each layer over the one before: LOCAL_CONFIG_DEFAULTS, then
 * AVISO_CONFIG and the single AVISO_* variables, then what the runtime was started with.
 */
export function localConfig(
  env: NodeJS.ProcessEnv,
  options: { apiPort: number; supportAddress?: string },
): AvisoConfig {
  const defaults: Record<string, unknown> = {
    ...LOCAL_CONFIG_DEFAULTS,
    feedbackUrl: `http://127.0.0.1:${options.apiPort}/feedback`,
  };
  const fromJson = parsedObject(env.AVISO_CONFIG);
  // Unreadable AVISO_CONFIG: left as it is, for configFromEnv to say what is wrong with it.
  const layered =
    fromJson === undefined
      ? env
      : {
          ...env,
          AVISO_CONFIG: JSON.stringify({
            ...defaults,
            ...fromJson,
            ...(env.AVISO_ACCOUNT_MANAGER ? { accountManager: env.AVISO_ACCOUNT_MANAGER } : {}),
            ...(env.AVISO_SUPPORT_LEAD ? { supportLead: env.AVISO_SUPPORT_LEAD } : {}),
          }),
        };
  return configFromEnv(layered, options.supportAddress ? { supportAddress: options.supportAddress } : {});
}

function parsedObject(json: string | undefined): Record<string, unknown> | undefined {
  if (json === undefined || json === "") return {};
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
