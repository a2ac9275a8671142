/** Point the Convex functions at an in-process fake GitHub (safe under fake timers). */
import { generateKeyPairSync } from "node:crypto";
import { vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { createFakeGitHub, type FakeGitHub, type FakeOptions } from "../fakeGitHub";
import { createInstallation, type TestConvex } from "./convex";

let pem: string | null = null;

export function useFakeGitHub(options: FakeOptions = {}) {
  // Instant answers unless a test asks for GitHub's latency (it is a timer: fake timers advance it).
  const fake = createFakeGitHub({ latencyMs: 0, ...options });
  // GitHub issues PKCS#1 keys; the app converts them for WebCrypto.
  pem ??= generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  vi.stubEnv("GITHUB_APP_ID", String(fake.appId));
  vi.stubEnv("GITHUB_APP_PRIVATE_KEY", pem);
  vi.stubEnv("GITHUB_API_URL", "https://fake-github.test");
  vi.stubGlobal("fetch", fake.fetch);
  return fake;
}

/** An installation of the fake's organisation, its repositories listed as `installation.created` lists them. */
export async function installFakeOrg(t: TestConvex, fake: FakeGitHub): Promise<Id<"installations">> {
  const installationId = await createInstallation(t, {
    githubInstallationId: fake.installationId,
    accountId: fake.org.id,
  });
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: fake.org.repos.map((r) => ({
      githubId: r.id,
      name: r.name,
      fullName: `${r.owner}/${r.name}`,
      private: r.private,
    })),
  });
  return installationId;
}
