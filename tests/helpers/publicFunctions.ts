/** Every public query, mutation and action in convex/, as "path:name" (internal ones are not callable by clients). */
export async function listPublicFunctions(): Promise<string[]> {
  const modules = import.meta.glob("../../convex/**/*.ts");
  const out: string[] = [];
  for (const [path, load] of Object.entries(modules)) {
    if (path.includes("_generated")) continue;
    type Registered = { isPublic?: boolean; isQuery?: boolean; isMutation?: boolean; isAction?: boolean };
    const mod = (await load()) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      const fn = value as Registered | null;
      if (fn && typeof value === "function" && fn.isPublic && (fn.isQuery || fn.isMutation || fn.isAction)) {
        out.push(`${path.replace("../../convex/", "").replace(/\.ts$/, "")}:${name}`);
      }
    }
  }
  return out.sort();
}
