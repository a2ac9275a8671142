// @vitest-environment node
/**
 * Decision: the GitHub boundary runs in Convex's default (V8 isolate) runtime, not "use node"; the one
 * Node action is Web Push's encryption (convex/notify/pushCrypto.ts: web-push needs Node's crypto).
 * Proof: (1) every Convex module bundles the way the Convex CLI bundles the default runtime
 * (esbuild, platform "browser"), which fails on any Node built-in; (2) App JWT signing, bundled
 * that way, works inside an edge VM that has WebCrypto and no Node APIs, with GitHub's PKCS#1 keys.
 */
import { EdgeVM } from "@edge-runtime/vm";
import { build } from "esbuild";
import { createPublicKey, createVerify, generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

function convexEntryPoints(dir = "convex"): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "_generated" ? [] : convexEntryPoints(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

describe("Convex default runtime", () => {
  test("every module under convex/ bundles for the isolate runtime (no Node built-ins), but Web Push's encryption", async () => {
    const all = convexEntryPoints();
    // The one Node action: web-push needs Node's crypto (convex/notify/pushCrypto.ts); it calls nobody.
    const nodeModules = all.filter((p) => /^\s*["']use node["']/m.test(readFileSync(p, "utf8")));
    expect(nodeModules).toEqual([join("convex", "notify", "pushCrypto.ts")]);
    const entryPoints = all.filter((p) => !nodeModules.includes(p));
    expect(entryPoints.length).toBeGreaterThan(10);
    const result = await build({
      entryPoints,
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      outdir: "/tmp/convex-bundle-check",
      logLevel: "silent",
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes("universal-github-app-jwt/lib/crypto-native"))).toBe(true);
    expect(inputs.some((p) => p.includes("crypto-node"))).toBe(false);
  });

  test("App JWT signing works in an edge VM with a PKCS#1 key as GitHub issues it", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    expect(pkcs1).toContain("BEGIN RSA PRIVATE KEY");

    const bundle = await build({
      entryPoints: ["tests/github/jwt-entry.ts"],
      bundle: true,
      write: false,
      platform: "browser",
      format: "iife",
      globalName: "jwtEntry",
      logLevel: "silent",
    });
    // The VM polyfills WebCrypto with the host's, which checks buffers by host realm; handing the
    // VM the host's buffer constructors avoids a cross-realm artifact that Convex does not have.
    const vm = new EdgeVM({ extend: (context) => Object.assign(context, { ArrayBuffer, Uint8Array }) });
    expect(vm.evaluate("typeof require")).toBe("undefined");
    vm.evaluate(bundle.outputFiles[0]!.text);
    // Env vars often carry the PEM with escaped newlines: accepted as well.
    const escaped = pkcs1.replace(/\n/g, "\\n");
    const jwt: string = await vm.evaluate(`jwtEntry.appJwt("4242", ${JSON.stringify(escaped)})`);

    const [header, payload, signature] = jwt.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toMatchObject({ alg: "RS256" });
    expect(claims.iss).toBe("4242");
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(11 * 60); // GitHub's 10-minute maximum (+ iat backdating)
    const verifier = createVerify("RSA-SHA256").update(`${header}.${payload}`);
    expect(
      verifier.verify(
        createPublicKey(publicKey.export({ type: "spki", format: "pem" })),
        Buffer.from(signature, "base64url"),
      ),
    ).toBe(true);
  });
});

describe("source rules", () => {
  // convex-test meters only the rows a page returns, not those a `.filter` drops on the way, so the
  // "every list filter is an index" rule is checked on the source: Convex's filter builder (`f.eq(…)`).
  test("no database query narrows with .filter: every filter is an index", () => {
    const offenders = convexEntryPoints().filter((path) =>
      /\.filter\(\s*\(?\s*\w+\s*\)?\s*=>\s*\w+\.(eq|neq|and|or|not|lt|lte|gt|gte)\(/.test(readFileSync(path, "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
