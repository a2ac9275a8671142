/**
 * GitHub App configuration from the Convex deployment's environment variables, validated with zod
 * so a missing or malformed variable fails with a message naming it, not deep inside a request.
 */
import { z } from "zod";
import type { GitHubAppCredentials } from "./client";

const DEFAULT_GITHUB_API_URL = "https://api.github.com";

const envSchema = z.object({
  GITHUB_APP_ID: z.string().regex(/^\d+$/, "must be the numeric App ID"),
  GITHUB_APP_PRIVATE_KEY: z.string().includes("PRIVATE KEY", { message: "must be a PEM private key" }),
  GITHUB_API_URL: z.string().url().default(DEFAULT_GITHUB_API_URL),
});

const webhookSchema = z.object({
  GITHUB_WEBHOOK_SECRET: z.string().min(1, "must be set"),
  GITHUB_WEBHOOK_SECRET_PREVIOUS: z.string().min(1).optional(),
});

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/**
 * Reads each variable by name: Convex's `process.env` answers lookups but cannot be enumerated, so
 * `Object.entries(process.env)` is empty on a deployment. An empty value counts as unset.
 */
function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.output<S> {
  const values = Object.keys(schema.shape).flatMap((name) => {
    const value = env[name];
    return value === undefined || value === "" ? [] : [[name, value] as const];
  });
  const result = schema.safeParse(Object.fromEntries(values));
  if (result.success) return result.data;
  throw new ConfigError(
    "GitHub App configuration: " + result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; "),
  );
}

export function githubAppCredentials(env: Env = process.env): GitHubAppCredentials {
  const e = parseEnv(envSchema, env);
  return { appId: e.GITHUB_APP_ID, privateKey: e.GITHUB_APP_PRIVATE_KEY, apiUrl: e.GITHUB_API_URL.replace(/\/$/, "") };
}

/** Current secret first; the previous one is accepted while a rotation is under way. */
export function webhookSecrets(env: Env = process.env): string[] {
  const e = parseEnv(webhookSchema, env);
  return [e.GITHUB_WEBHOOK_SECRET, ...(e.GITHUB_WEBHOOK_SECRET_PREVIOUS ? [e.GITHUB_WEBHOOK_SECRET_PREVIOUS] : [])];
}
