/**
 * `npm run fake-github`: the fake GitHub over HTTP with a generated organisation, for local
 * development (and the demo loop `npm run dev` starts when no GitHub App is configured).
 *
 * Env: PORT (default 8787); FAKE_GITHUB_WEBHOOK_URL + GITHUB_WEBHOOK_SECRET to send the demo's
 * webhooks (installation.created at start, then activity every FAKE_GITHUB_ACTIVITY_SECONDS).
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEMO_USER_LOGIN, DemoWebhooks } from "./demo";
import { createFakeGitHub } from "./index";
import { userJson } from "./shapes";

export const DEV_KEY_PATH = fileURLToPath(new URL("./.dev-app-key.pem", import.meta.url));

export async function startFakeGitHub(port = Number(process.env.PORT ?? 8787)) {
  const fake = createFakeGitHub({ seed: 42, org: { repos: 8, prsPerRepo: 30, issuesPerRepo: 10, commitsPerRepo: 20 } });
  const key = generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  writeFileSync(DEV_KEY_PATH, key, { mode: 0o600 });
  const server = await fake.listen(port);
  return { fake, server, keyPath: DEV_KEY_PATH };
}

/**
 * What the demo deployment needs (`npm run dev` sets it with `npx convex env set`): the fake as its
 * GitHub, the demo sign-in as the installing user, and session keys in the format
 * `npx @convex-dev/auth` generates (the demo sign-in issues tokens like any other).
 */
export function demoDeploymentEnv(
  fake: ReturnType<typeof createFakeGitHub>,
  apiUrl: string,
  keyPath: string,
  webhookSecret: string,
): Record<string, string> {
  const session = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    GITHUB_API_URL: apiUrl,
    GITHUB_APP_ID: String(fake.appId),
    GITHUB_APP_PRIVATE_KEY: readFileSync(keyPath, "utf8"),
    GITHUB_WEBHOOK_SECRET: webhookSecret,
    SYNCBOARD_DEMO_USER_GITHUB_ID: String(userJson(DEMO_USER_LOGIN, apiUrl).id),
    SYNCBOARD_DEMO_USER_LOGIN: DEMO_USER_LOGIN,
    JWT_PRIVATE_KEY: session.privateKey
      .export({ type: "pkcs8", format: "pem" })
      .toString()
      .trimEnd()
      .replace(/\n/g, " "),
    JWKS: JSON.stringify({ keys: [{ use: "sig", ...session.publicKey.export({ format: "jwk" }) }] }),
    SITE_URL: "http://localhost:5173",
  };
}

export async function startDemo(
  fake: ReturnType<typeof createFakeGitHub>,
  apiUrl: string,
  webhookUrl: string,
  secret: string,
  everySeconds: number,
) {
  const demo = new DemoWebhooks(fake, webhookUrl, secret, apiUrl);
  console.log(`[fake-github] installation.created → ${webhookUrl}: ${await demo.installationCreated()}`);
  const timer = setInterval(() => {
    demo.randomActivity().then(
      (status) => console.log(`[fake-github] demo activity webhook: ${status}`),
      (e: unknown) => console.log(`[fake-github] demo webhook failed: ${String(e)}`),
    );
  }, everySeconds * 1000);
  return () => clearInterval(timer);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { fake, server, keyPath } = await startFakeGitHub();
  console.log(`[fake-github] serving ${fake.org.repos.length} repositories of "${fake.org.login}" at ${server.url}`);
  console.log(`[fake-github] app id ${fake.appId}, installation id ${fake.installationId}, private key ${keyPath}`);
  console.log(
    `[fake-github] point Convex at it:  npx convex env set GITHUB_API_URL ${server.url}; npx convex env set GITHUB_APP_ID ${fake.appId}; npx convex env set GITHUB_APP_PRIVATE_KEY < ${keyPath}; and GITHUB_WEBHOOK_SECRET`,
  );
  const { FAKE_GITHUB_WEBHOOK_URL: url, GITHUB_WEBHOOK_SECRET: secret } = process.env;
  if (url && secret)
    await startDemo(fake, server.url, url, secret, Number(process.env.FAKE_GITHUB_ACTIVITY_SECONDS ?? 20));
}
