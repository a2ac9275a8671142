/** The harness's Convex value limits (tests/helpers/limits.ts) fire where a deployment would fail. */
import { convexTest } from "convex-test";
import { internalMutationGeneric, internalQueryGeneric, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import schema from "../convex/schema";
import { createInstallation, makeConvex, modules } from "./helpers/convex";
import { checkDocument, checkFunctionValue, LIMITS, withFunctionLimits, withHttpLimits } from "./helpers/limits";
import { deliver } from "./helpers/webhooks";

const MiB = 1024 * 1024;

/** Our modules plus a probe module of functions that break the limits on request. */
function withProbe() {
  const probe = {
    bigReturn: internalQueryGeneric({ args: { n: v.number() }, handler: async (_ctx, { n }) => new Array(n).fill(0) }),
    echo: internalQueryGeneric({ args: { s: v.string() }, handler: async (_ctx, { s }) => s.length }),
    noop: internalMutationGeneric({ args: { s: v.string() }, handler: async () => null }),
    schedule: internalMutationGeneric({
      args: { bytes: v.number() },
      handler: async (ctx, { bytes }) => {
        await ctx.scheduler.runAfter(0, makeFunctionReference<"mutation">("limitsProbe:noop"), {
          s: "x".repeat(bytes),
        });
      },
    }),
  };
  return withHttpLimits(
    convexTest({
      schema,
      modules: withFunctionLimits({ ...modules, "../../convex/limitsProbe.ts": async () => probe }),
      transactionLimits: true,
    }),
  );
}

describe("documents (insert, patch, replace; t.run and functions)", () => {
  test("an array of 8,193 elements fails, 8,192 passes", async () => {
    const t = makeConvex();
    await expect(t.run((ctx) => ctx.db.insert("users", { orgAccountIds: new Array(8_193).fill(1) }))).rejects.toThrow(
      /table "users".*array at orgAccountIds has 8,193 elements > 8,192/,
    );
    await t.run((ctx) => ctx.db.insert("users", { orgAccountIds: new Array(8_192).fill(1) }));
  });

  test("a document over 1 MiB fails (insert and replace), just under passes", async () => {
    const t = makeConvex();
    await expect(t.run((ctx) => ctx.db.insert("users", { name: "x".repeat(MiB) }))).rejects.toThrow(
      /table "users".*bytes > 1,048,576 \(1 MiB per document\)/,
    );
    const id = await t.run((ctx) => ctx.db.insert("users", { name: "x".repeat(MiB - 200) }));
    await expect(t.run((ctx) => ctx.db.replace(id, { name: "y".repeat(MiB + 1) }))).rejects.toThrow(/table "users"/);
    expect((await t.run((ctx) => ctx.db.get(id)))!.name).toHaveLength(MiB - 200); // rolled back
  });

  test("a patch is checked as the whole document it produces; nested system fields fail", async () => {
    const t = makeConvex();
    const id = await t.run((ctx) => ctx.db.insert("users", { name: "x".repeat(600 * 1024) }));
    await expect(t.run((ctx) => ctx.db.patch(id, { image: "y".repeat(600 * 1024) }))).rejects.toThrow(
      /table "users".*bytes > 1,048,576/,
    );
    const installationId = await createInstallation(t);
    const snapshot = { resource: "core", limit: 1, remaining: 1, used: 0, resetAt: 0, observedAt: 0 };
    await expect(t.run((ctx) => ctx.db.patch(installationId, { rateLimits: { _core: snapshot } }))).rejects.toThrow(
      /table "installations".*field of rateLimits "_core" starts with "_"/,
    );
    await t.run((ctx) => ctx.db.patch(installationId, { rateLimits: { core: snapshot } }));
  });

  test("a write inside a function names the table and the function", async () => {
    const t = makeConvex();
    await expect(
      t.mutation(internal.webhooks.deliveries.record, {
        deliveryId: "d-1",
        event: "push",
        bytes: 2 * MiB,
        payload: "x".repeat(2 * MiB),
      }),
    ).rejects.toThrow(/document in table "webhookPayloads" \(written by webhooks\/deliveries:record\)/);
  });

  test("nesting deeper than 16, too many fields, top-level names, unpaired surrogates", () => {
    const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);
    const doc = (fields: Record<string, unknown>) => ({ _id: "x", _creationTime: 1, ...fields });
    expect(() => checkDocument("t", doc({ a: nest(15) }))).not.toThrow(); // the document is level 1
    expect(() => checkDocument("t", doc({ a: nest(16) }))).toThrow(/nested 17 levels deep > 16/);
    const wide = Object.fromEntries(Array.from({ length: 1_025 }, (_, i) => [`f${i}`, i]));
    expect(() => checkDocument("t", doc({ a: wide }))).toThrow(/object at a has 1,025 fields > 1,024/);
    expect(() => checkDocument("t", doc({ _private: 1 }))).toThrow(/top-level field "_private"/);
    expect(() => checkDocument("t", doc({ ["a".repeat(65)]: 1 }))).toThrow(/65 characters > 64/);
    expect(() => checkDocument("t", doc({ a: { ["a".repeat(1_024)]: 1 } }))).not.toThrow();
    expect(() => checkDocument("t", doc({ a: "\uD800" }))).toThrow(/unpaired surrogate/);
  });
});

describe("function arguments and return values", () => {
  test("arguments over 16 MiB fail, naming the function", async () => {
    const t = withProbe();
    const echo = makeFunctionReference<"query", { s: string }, number>("limitsProbe:echo");
    await expect(t.query(echo, { s: "x".repeat(16 * MiB) })).rejects.toThrow(
      /arguments of query limitsProbe:echo: [\d,]+ bytes > 16,777,216 \(16 MiB\)/,
    );
    expect(await t.query(echo, { s: "x".repeat(16 * MiB - 64) })).toBe(16 * MiB - 64);
  });

  test("a return value with an array of 8,193 elements fails", async () => {
    const t = withProbe();
    const bigReturn = makeFunctionReference<"query", { n: number }, number[]>("limitsProbe:bigReturn");
    await expect(t.query(bigReturn, { n: 8_193 })).rejects.toThrow(
      /return value of query limitsProbe:bigReturn: array at top level has 8,193 elements > 8,192/,
    );
    expect(await t.query(bigReturn, { n: 8_192 })).toHaveLength(8_192);
  });

  test("a scheduled function's arguments over 4 MiB fail at scheduling", async () => {
    const t = withProbe();
    const schedule = makeFunctionReference<"mutation", { bytes: number }, null>("limitsProbe:schedule");
    await expect(t.mutation(schedule, { bytes: 4 * MiB })).rejects.toThrow(
      /arguments of scheduled function limitsProbe:noop \(scheduled by limitsProbe:schedule\)/,
    );
  });

  test("values nested deeper than 64 fail", () => {
    const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);
    expect(() => checkFunctionValue("value", { a: nest(63) }, LIMITS.functionArgumentBytes)).not.toThrow();
    expect(() => checkFunctionValue("value", { a: nest(64) }, LIMITS.functionArgumentBytes)).toThrow(/65 levels/);
  });
});

describe("HTTP action bodies (t.fetch)", () => {
  test("a request body over 20 MiB fails before it reaches the route", async () => {
    const t = makeConvex();
    await expect(deliver(t, "push", {}, { body: "x".repeat(20 * MiB + 1) })).rejects.toThrow(
      /HTTP action request body of POST \/github\/webhook is 20,971,521 bytes > 20,971,520 \(20 MiB\)/,
    );
  });

  test("a response body over 20 MiB fails", async () => {
    type Fake = { fetch: (path: string) => Promise<Response>; withIdentity: (identity: never) => Fake };
    const fake = (size: number): Fake => ({
      fetch: async () => new Response(new Uint8Array(size)),
      withIdentity: () => fake(size),
    });
    await expect(withHttpLimits(fake(20 * MiB + 1)).fetch("/big")).rejects.toThrow(
      /HTTP action response body of GET \/big/,
    );
    expect(
      (
        await withHttpLimits(fake(20 * MiB))
          .withIdentity({} as never)
          .fetch("/big")
      ).status,
    ).toBe(200);
  });

  test("is on for every accessor and leaves ordinary requests alone", async () => {
    const t = makeConvex();
    const response = await t.withIdentity({ subject: "x" }).fetch("/nowhere");
    expect(response.status).toBe(404);
  });
});
