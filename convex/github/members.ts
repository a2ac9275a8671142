/**
 * An organisation's members as GitHub lists them (GET /orgs/{org}/members, the installation's
 * Members permission), one page per call: `role: "admin"` lists its owners.
 *
 * Usage: `const page = await listOrgMembers(client, "acme", { role: "all", next })`
 */
import { z } from "zod";
import type { GitHubClient } from "./client";

const orgMembersPage = z.array(z.object({ id: z.number(), login: z.string() }));

export async function listOrgMembers(
  client: GitHubClient,
  org: string,
  opts: { role: "all" | "admin"; next?: string | undefined },
): Promise<{ items: Array<{ githubUserId: number; login: string }>; next?: string }> {
  const res = await client.get(
    opts.next ?? "/orgs/{org}/members",
    { org, role: opts.role, per_page: 100 },
    orgMembersPage,
  );
  if (res.notModified) return { items: [] };
  return {
    items: res.data.map((m) => ({ githubUserId: m.id, login: m.login })),
    ...(res.next && { next: res.next }),
  };
}
