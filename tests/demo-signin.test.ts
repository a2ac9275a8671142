// @vitest-environment node
/**
 * The demo sign-in (@convex-dev/auth's Anonymous provider) is decided when someone signs in, from
 * the deployment's environment at that moment: a deployment does not re-evaluate convex/auth.ts
 * when `npx convex env set/remove` changes a variable. Modules are loaded once here, as there.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { makeConvex, type TestConvex } from "./helpers/convex";

/** The session keys and URLs `npx @convex-dev/auth` sets up. */
function stubSessionEnv() {
  const session = generateKeyPairSync("rsa", { modulusLength: 2048 });
  vi.stubEnv(
    "JWT_PRIVATE_KEY",
    session.privateKey.export({ type: "pkcs8", format: "pem" }).toString().trimEnd().replace(/\n/g, " "),
  );
  vi.stubEnv("JWKS", JSON.stringify({ keys: [{ use: "sig", ...session.publicKey.export({ format: "jwk" }) }] }));
  vi.stubEnv("SITE_URL", "http://localhost:5173");
  vi.stubEnv("CONVEX_SITE_URL", "http://127.0.0.1:3211");
}

const demoSignIn = (t: TestConvex) => t.action(api.auth.signIn, { provider: "anonymous" });
const users = (t: TestConvex) => t.run((ctx) => ctx.db.query("users").collect());

beforeEach(() => {
  stubSessionEnv();
  vi.stubEnv("SYNCBOARD_DEMO_USER_GITHUB_ID", undefined);
  vi.stubEnv("SYNCBOARD_DEMO_USER_LOGIN", undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

test("demo sign-in: refused while the variable is unset, allowed once it is set, refused again when removed", async () => {
  const t = makeConvex();
  await expect(demoSignIn(t)).rejects.toThrow(/Demo sign-in is not enabled on this deployment/);
  expect(await users(t)).toEqual([]);

  // `npx convex env set`: no module reload, the next sign-in sees it.
  vi.stubEnv("SYNCBOARD_DEMO_USER_GITHUB_ID", "583231");
  vi.stubEnv("SYNCBOARD_DEMO_USER_LOGIN", "octocat");
  const signedIn = await demoSignIn(t);
  expect(signedIn.tokens?.token).toMatch(/^ey/);
  const claims = JSON.parse(Buffer.from(signedIn.tokens!.token.split(".")[1]!, "base64url").toString()) as {
    sub: string;
  };
  expect(await users(t)).toMatchObject([{ githubId: 583231, githubLogin: "octocat", isAnonymous: true }]);
  // The session works for the app's own queries.
  expect(await t.withIdentity({ subject: claims.sub }).query(api.dashboard.summary.myInstallations, {})).toEqual([]);

  // `npx convex env remove`: refused again.
  vi.stubEnv("SYNCBOARD_DEMO_USER_GITHUB_ID", undefined);
  await expect(demoSignIn(t)).rejects.toThrow(/Demo sign-in is not enabled on this deployment/);
  expect(await users(t)).toHaveLength(1);
});

test("a misconfigured demo user id is refused with a clear message", async () => {
  const t = makeConvex();
  vi.stubEnv("SYNCBOARD_DEMO_USER_GITHUB_ID", "octocat");
  await expect(demoSignIn(t)).rejects.toThrow(/SYNCBOARD_DEMO_USER_GITHUB_ID must be a GitHub user id/);
  expect(await users(t)).toEqual([]);
});
