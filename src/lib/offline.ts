/**
 * The last answers of a few queries, kept in IndexedDB (idb) so the app shows them when offline:
 * Convex keeps nothing offline itself. Kept per signed-in user (the database's name carries their id)
 * and per installation: the caller's installations, the inbox, the pull request list's first page and
 * the caller's alerts. They may hold private titles, so signing out deletes them all (`forgetEverything`).
 *
 * Usage: `const { value, asOf } = useKept("inbox", installationId, useQuery(api.dashboard.inbox.inbox, args))`
 * — the live answer while online (and kept), the kept one with its time when offline, never a mix.
 */
import { deleteDB, openDB, type IDBPDatabase } from "idb";
import { useConvexConnectionState } from "convex/react";
import { useEffect, useState, useSyncExternalStore } from "react";

const PREFIX = "syncboard-offline-";
const USER_KEY = "syncboard.offline.user";
const STORE = "answers";

type Kept = { value: unknown; at: number };
const databases = new Map<string, Promise<IDBPDatabase>>();

function database(user: string) {
  if (!databases.has(user)) {
    const opened: Promise<IDBPDatabase> = openDB(`${PREFIX}${user}`, 1, {
      upgrade: (db) => void db.createObjectStore(STORE),
      // Another tab signing out deletes the database: let it (this tab opens it again if it must).
      blocking: () => {
        databases.delete(user);
        void opened.then((db) => db.close());
      },
    });
    databases.set(user, opened);
  }
  return databases.get(user)!;
}

/** The signed-in user the kept answers belong to (remembered while online, for an offline start). */
export function rememberUser(user: string) {
  if (localStorage.getItem(USER_KEY) !== user) localStorage.setItem(USER_KEY, user);
}
const currentUser = () => localStorage.getItem(USER_KEY);

async function keep(key: string, value: unknown) {
  const user = currentUser();
  if (!user || typeof indexedDB === "undefined") return;
  await (await database(user)).put(STORE, { value, at: Date.now() } satisfies Kept, key);
}

async function recall(key: string): Promise<Kept | undefined> {
  const user = currentUser();
  if (!user || typeof indexedDB === "undefined") return undefined;
  return (await (await database(user)).get(STORE, key)) as Kept | undefined;
}

/** Signing out: every kept answer of every user on this device, and who was signed in (at most 2 s). */
export async function forgetEverything() {
  localStorage.removeItem(USER_KEY);
  const forget = async () => {
    const names = (await indexedDB.databases?.())?.map((d) => d.name ?? "") ?? [];
    for (const [user, db] of databases) {
      databases.delete(user);
      (await db).close();
    }
    await Promise.all(names.filter((n) => n.startsWith(PREFIX)).map((n) => deleteDB(n)));
  };
  await Promise.race([forget().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
}

function subscribeOnline(callback: () => void) {
  window.addEventListener("online", callback);
  window.addEventListener("offline", callback);
  return () => {
    window.removeEventListener("online", callback);
    window.removeEventListener("offline", callback);
  };
}
/** How long the connection to Convex may be down (or not yet up) before the app says it is offline. */
const GRACE_MS = 3_000;

/**
 * Whether the app is online: the browser says so and Convex's connection is up (or came up within a few
 * seconds of being lost). A browser can say "online" with no way through, so the connection decides too.
 */
export function useOnline(): boolean {
  const browserOnline = useSyncExternalStore(subscribeOnline, () => navigator.onLine);
  const { isWebSocketConnected } = useConvexConnectionState();
  const [lost, setLost] = useState(false);
  useEffect(() => {
    if (isWebSocketConnected) return setLost(false);
    const timer = setTimeout(() => setLost(true), GRACE_MS);
    return () => clearTimeout(timer);
  }, [isWebSocketConnected]);
  return browserOnline && !lost;
}

/**
 * `live` while online (kept as it arrives); offline, the kept answer for `name` and `scope` with the
 * time it was kept (`asOf`), or undefined when there is none.
 */
export function useKept<T>(
  name: string,
  scope: string,
  live: T | undefined,
): { value: T | undefined; asOf: number | null } {
  const online = useOnline();
  const key = `${scope}|${name}`;
  const [kept, setKept] = useState<Kept | undefined>(undefined);
  useEffect(() => {
    if (online && live !== undefined && live !== null) void keep(key, live).catch(() => undefined);
  }, [online, key, live]);
  useEffect(() => {
    if (online) return setKept(undefined);
    let stale = false;
    void recall(key).then(
      (k) => !stale && setKept(k),
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [online, key]);
  if (online) return { value: live, asOf: null };
  return { value: kept?.value as T | undefined, asOf: kept?.at ?? null };
}
