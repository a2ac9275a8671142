/** Every public query, mutation and action in convex/, as "path:name" (internal ones are not callable by clients). */
export async function listPublicFunctions(): Promise<string[]> {
  return Object.keys(await publicFunctionAccess()).sort();
}

/** Every public function with the `access` mark its builder gave it (convex/builders.ts), if any. */
export async function publicFunctionAccess(): Promise<Record<string, string | undefined>> {
  const modules = import.meta.glob("../../convex/**/*.ts");
  const out: Record<string, string | undefined> = {};
  for (const [path, load] of Object.entries(modules)) {
    if (path.includes("_generated")) continue;
    type Registered = {
      isPublic?: boolean;
      isQuery?: boolean;
      isMutation?: boolean;
      isAction?: boolean;
      access?: string;
    };
    const mod = (await load()) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      const fn = value as Registered | null;
      if (fn && typeof value === "function" && fn.isPublic && (fn.isQuery || fn.isMutation || fn.isAction)) {
        out[`${path.replace("../../convex/", "").replace(/\.ts$/, "")}:${name}`] = fn.access;
      }
    }
  }
  return out;
}
