/** Point the Convex functions at an in-process fake GitHub (safe under fake timers). */
import { generateKeyPairSync } from "node:crypto";
import { vi } from "vitest";
import { createFakeGitHub, type FakeOptions } from "../fakeGitHub";

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
