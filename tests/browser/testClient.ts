/**
 * A ConvexReactClient stand-in for the browser tests: the same surface `convex/react` hooks use
 * (watchQuery, mutation, action, setAuth/clearAuth, connection state), answered by the real Convex
 * functions running in convex-test behind the test server. The server pushes a "changed" event
 * after every write; every watched query then re-runs — live updates, as a subscription would.
 */
import { getFunctionName, type FunctionReference } from "convex/server";
import type { Value } from "convex/values";

type Result = { value: Value } | { error: string };
interface Entry {
  name: string;
  args: Record<string, Value>;
  result?: Result;
  listeners: Set<() => void>;
}

export class TestConvexClient {
  private entries = new Map<string, Entry>();
  private token: string | null = null;

  /** The event stream stands for Convex's WebSocket: open is connected, an error is a lost connection. */
  private connected = false;
  private everConnected = false;
  private readonly connectionListeners = new Set<() => void>();

  constructor(private readonly base: string) {
    const events = new EventSource(`${base}/convex/events`);
    events.onmessage = () => void this.refreshAll();
    events.onopen = () => this.setConnected(true);
    events.onerror = () => this.setConnected(false);
  }

  private setConnected(connected: boolean) {
    if (this.connected === connected) return;
    this.connected = connected;
    this.everConnected ||= connected;
    for (const l of this.connectionListeners) l();
  }

  private async call(kind: "query" | "mutation" | "action", name: string, args: unknown): Promise<Result> {
    if (!navigator.onLine && kind === "query") return new Promise(() => {}); // as a subscription waits
    const res = await fetch(`${this.base}/convex/${kind}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.token && { authorization: `Bearer ${this.token}` }) },
      body: JSON.stringify({ name, args }),
    });
    return (await res.json()) as Result;
  }

  private async refresh(entry: Entry) {
    entry.result = await this.call("query", entry.name, entry.args);
    for (const l of entry.listeners) l();
  }

  private async refreshAll() {
    await Promise.all([...this.entries.values()].filter((e) => e.listeners.size > 0).map((e) => this.refresh(e)));
  }

  watchQuery(query: FunctionReference<"query">, args: Record<string, Value> = {}) {
    const name = getFunctionName(query);
    const key = `${name}:${JSON.stringify(args)}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { name, args, listeners: new Set() };
      this.entries.set(key, entry);
      void this.refresh(entry);
    }
    const e = entry;
    return {
      onUpdate: (callback: () => void) => {
        e.listeners.add(callback);
        return () => void e.listeners.delete(callback);
      },
      localQueryResult: () => {
        if (!e.result) return undefined;
        if ("error" in e.result) throw new Error(e.result.error);
        return e.result.value;
      },
      localQueryLogs: () => undefined,
      journal: () => undefined,
    };
  }

  /** A one-shot query (`useConvex().query`), as the exports fetch page after page. */
  async query(fn: FunctionReference<"query">, args: Record<string, Value> = {}) {
    const result = await this.call("query", getFunctionName(fn), args);
    if ("error" in result) throw new Error(result.error);
    return result.value;
  }

  async mutation(fn: FunctionReference<"mutation">, args: Record<string, Value> = {}) {
    const result = await this.call("mutation", getFunctionName(fn), args);
    if ("error" in result) throw new Error(result.error);
    return result.value;
  }

  async action(fn: FunctionReference<"action">, args: Record<string, Value> = {}) {
    const result = await this.call("action", getFunctionName(fn), args);
    if ("error" in result) throw new Error(result.error);
    return result.value;
  }

  setAuth(
    fetchToken: (o: { forceRefreshToken: boolean }) => Promise<string | null | undefined>,
    onChange?: (ok: boolean) => void,
  ) {
    void fetchToken({ forceRefreshToken: false }).then((token) => {
      this.token = token ?? null;
      onChange?.(this.token !== null);
      void this.refreshAll();
    });
  }

  clearAuth() {
    this.token = null;
    void this.refreshAll();
  }

  private state: ReturnType<TestConvexClient["readState"]> | null = null;

  /** The same object until the connection changes (React's external-store snapshot). */
  connectionState() {
    if (this.state?.isWebSocketConnected !== this.connected) this.state = this.readState();
    return this.state;
  }

  private readState() {
    return {
      hasInflightRequests: false,
      isWebSocketConnected: this.connected,
      timeOfOldestInflightRequest: null,
      hasEverConnected: this.everConnected,
      connectionCount: 1,
      connectionRetries: 0,
      inflightMutations: 0,
      inflightActions: 0,
    };
  }

  subscribeToConnectionState(callback: () => void) {
    this.connectionListeners.add(callback);
    return () => void this.connectionListeners.delete(callback);
  }

  prewarmQuery() {}
}
