/**
 * What the write path emits, and who listens. Every base document it writes is told, as a change
 * (before → after), to the listeners its mutation was built with (convex/functions.ts wires them:
 * the metrics engine, the alert engine); each listener is opened once per transaction and flushed
 * when the write path ends. The write path knows this interface, never a listener: `model/` imports
 * neither the metrics, the alert nor any other room that reacts to its writes.
 *
 * Likewise an uninstalled installation's purge deletes the read model and asks the rooms that keep
 * documents about it (`purgers`) to delete theirs, without knowing them.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { ActionCtx, MutationCtx } from "../_generated/server";

export type SourceTable = "pullRequests" | "activityEvents" | "deployments" | "ciResults";
/** A base document as the write path has it (its system fields may not be known yet). */
export type Written<T extends SourceTable> = Omit<Doc<T>, "_id" | "_creationTime"> & { _creationTime?: number };

export type Change =
  | {
      [T in SourceTable]: {
        table: T;
        repositoryId: Id<"repositories">;
        id?: Id<T>;
        before: Written<T> | null;
        after: Written<T> | null;
      };
    }[SourceTable]
  /** A repository became public or private: what is counted per visibility group moves. */
  | { table: "repositories"; repositoryId: Id<"repositories">; isPublic: boolean };

export interface WriteListener {
  changed(change: Change): void | Promise<void>;
  /** The write path ends: write what the changes moved. */
  flush(): Promise<void>;
}

/** Opens a listener for one write path on an installation (the row the write path has read). */
export type ListenerFactory = (ctx: MutationCtx, installation: Doc<"installations">) => Promise<WriteListener>;

/** Deletes up to `budget` of a room's documents about an uninstalled installation; returns how many. */
export type Purger = (ctx: MutationCtx, installationId: Id<"installations">, budget: number) => Promise<number>;

/**
 * Recounts a room's figures of an installation from the base tables (`verifyAggregates` asks each room
 * that derives figures from the read model); returns the differences.
 */
export type Verifier = (
  ctx: ActionCtx,
  installationId: Id<"installations">,
  repositories: Array<{ id: Id<"repositories">; fullName: string; private: boolean }>,
) => Promise<string[]>;

/** A mutation's context with the rooms that react to its writes (built by convex/functions.ts). */
export type WriteCtx = MutationCtx & { listeners: readonly ListenerFactory[]; purgers: readonly Purger[] };
