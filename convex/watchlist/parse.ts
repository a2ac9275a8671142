/**
 * What a user may type to follow a repository: `owner/name` or a github.com URL (`https://github.com/
 * owner/name`, with or without `www.`, `.git`, a trailing slash or a deeper path such as `/tree/main`),
 * or the SSH form `git@github.com:owner/name.git`. Anything else is refused with words saying why.
 *
 * Usage: `const parsed = parseRepositoryRef(input)` → `{ ok: true, owner, name }` or `{ ok: false, error }`.
 */
import { z } from "zod";

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

const coordinates = z
  .string()
  .trim()
  .min(1, "Type a repository: owner/name or its github.com address.")
  .max(300, "That is too long to be a GitHub repository.")
  .transform((raw, ctx) => {
    const path = pathOf(raw);
    if (path === null) {
      ctx.addIssue({ code: "custom", message: "Only github.com repositories can be followed." });
      return z.NEVER;
    }
    const [owner = "", rawName = ""] = path.split("/");
    const name = rawName.replace(/\.git$/i, "");
    if (!OWNER.test(owner) || !NAME.test(name) || name === "." || name === "..") {
      ctx.addIssue({ code: "custom", message: "That is not a repository: type owner/name, e.g. facebook/react." });
      return z.NEVER;
    }
    return { owner, name };
  });

/** The `owner/name…` part of what was typed, or null for another host. */
function pathOf(raw: string): string | null {
  const ssh = /^git@github\.com:(.+)$/i.exec(raw);
  if (ssh) return ssh[1]!;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || /^(www\.)?github\.com\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
    } catch {
      return null;
    }
    if (!/^https?:$/.test(url.protocol) || !/^(www\.)?github\.com$/i.test(url.hostname)) return null;
    const parts = url.pathname.split("/").filter(Boolean);
    return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : "";
  }
  return raw.replace(/\/+$/, "").split("/").length === 2 ? raw.replace(/\/+$/, "") : "";
}

export function parseRepositoryRef(
  input: string,
): { ok: true; owner: string; name: string } | { ok: false; error: string } {
  const parsed = coordinates.safeParse(input);
  return parsed.success ? { ok: true, ...parsed.data } : { ok: false, error: parsed.error.issues[0]!.message };
}
