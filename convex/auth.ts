/**
 * Sign in with GitHub (@convex-dev/auth). The profile keeps the GitHub user id and login: access
 * to installations is decided by GitHub identity (see convex/access.ts).
 * Env: AUTH_GITHUB_ID, AUTH_GITHUB_SECRET (a GitHub OAuth app or the GitHub App's OAuth
 * credentials), plus JWT_PRIVATE_KEY, JWKS and SITE_URL as `npx @convex-dev/auth` sets up.
 */
import GitHub from "@auth/core/providers/github";
import { Anonymous } from "@convex-dev/auth/providers/Anonymous";
import { convexAuth } from "@convex-dev/auth/server";

import { mirrorMemberships } from "./memberships";
import { fail } from "./messages";

export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({
  providers: [
    GitHub({
      profile(profile) {
        return {
          id: String(profile.id),
          name: profile.name ?? profile.login,
          email: profile.email ?? undefined,
          image: profile.avatar_url,
          githubId: profile.id,
          githubLogin: profile.login,
        };
      },
    }),
    // Local demo against the fake GitHub only (`npm run dev` without a GitHub App): a one-click
    // sign-in as the demo installation's installing user. Always registered, but the variable is
    // read at sign-in time (a deployment does not re-evaluate this module when its environment
    // changes): unset, the sign-in is refused.
    Anonymous({ profile: () => demoUserProfile() }),
  ],
  callbacks: {
    // Memberships recorded before the user first signed in become visible at sign-in.
    async afterUserCreatedOrUpdated(ctx, { userId }) {
      const user = await ctx.db.get(userId);
      if (user?.githubId !== undefined) await mirrorMemberships(ctx, userId, user.githubId);
    },
  },
});

/** The demo user, from the deployment's environment at call time; refused when the demo is off. */
function demoUserProfile() {
  const id = process.env.SYNCBOARD_DEMO_USER_GITHUB_ID;
  if (!id) fail("demo_disabled");
  const githubId = Number(id);
  if (!Number.isSafeInteger(githubId) || githubId <= 0) fail("demo_misconfigured");
  const login = process.env.SYNCBOARD_DEMO_USER_LOGIN || "octocat";
  return { isAnonymous: true as const, githubId, githubLogin: login, name: login };
}
