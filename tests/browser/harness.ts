/**
 * Serves the browser-test page (Vite, in-process) and a small API over a convex-test instance:
 * POST /convex/{query,mutation,action} runs the real function with the caller's identity (the
 * bearer token is the identity's subject), GET /convex/events pushes "changed" after writes.
 */
import react from "@vitejs/plugin-react";
import { makeFunctionReference } from "convex/server";
import { createServer, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { createServer as createVite } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import { pwaOptions } from "../../src/pwa/manifest";
import type { TestConvex } from "../helpers/convex";

export async function startHarness(t: TestConvex) {
  const vite = await createVite({
    root: fileURLToPath(new URL(".", import.meta.url)),
    configFile: false,
    // The app's PWA plugin in development mode (its service worker registers only on `?pwa`, entry.tsx).
    plugins: [
      react(),
      VitePWA({ ...pwaOptions(true), srcDir: fileURLToPath(new URL("../../src/pwa", import.meta.url)) }),
    ],
    publicDir: fileURLToPath(new URL("../../src/public", import.meta.url)),
    server: { middlewareMode: true, hmr: false },
    appType: "spa",
    logLevel: "error",
  });
  const listeners = new Set<ServerResponse>();
  const changed = () => {
    for (const res of listeners) res.write(`data: changed\n\n`);
  };
  // Like a deployment's subscriptions, every committed write reaches the page, including those of
  // scheduled functions (a status tick at a cooldown's end): the harness's write hook (limits.ts)
  // sees each write; the page is told once the burst is over.
  const WRITE_HOOK = Symbol.for("syncboard.convexTest.onWrite");
  const hooks = globalThis as unknown as Record<symbol, ((...a: unknown[]) => void) | undefined>;
  const previousHook = hooks[WRITE_HOOK];
  // Captured now: inside a Convex function, convex-test forbids the global `setTimeout`.
  const later = globalThis.setTimeout.bind(globalThis);
  let pendingPush: ReturnType<typeof setTimeout> | null = null;
  hooks[WRITE_HOOK] = (...a: unknown[]) => {
    previousHook?.(...a);
    pendingPush ??= later(() => {
      pendingPush = null;
      changed();
    }, 50);
  };

  const server = createServer(async (req, res) => {
    if (req.url === "/convex/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      res.write(": connected\n\n");
      listeners.add(res);
      req.on("close", () => listeners.delete(res));
      return;
    }
    const kind = /^\/convex\/(query|mutation|action)$/.exec(req.url ?? "")?.[1] as
      "query" | "mutation" | "action" | undefined;
    if (kind && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const { name, args } = JSON.parse(body) as { name: string; args: Record<string, unknown> };
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const caller = token ? t.withIdentity({ subject: token }) : t;
      let payload: unknown;
      try {
        const value =
          kind === "query"
            ? await caller.query(makeFunctionReference<"query">(name), args)
            : kind === "mutation"
              ? await caller.mutation(makeFunctionReference<"mutation">(name), args)
              : await caller.action(makeFunctionReference<"action">(name), args);
        payload = { value: value ?? null };
        if (kind !== "query") changed();
      } catch (e) {
        payload = { error: e instanceof Error ? e.message : String(e) };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
      return;
    }
    vite.middlewares(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    /** Tell the page that data changed (after the test wrote through convex-test directly). */
    changed,
    async close() {
      hooks[WRITE_HOOK] = previousHook;
      for (const res of listeners) res.end();
      await new Promise((resolve) => server.close(resolve));
      await vite.close();
    },
  };
}
