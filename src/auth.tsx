/**
 * Sign-in actions as a context, so the app does not depend on a particular auth client:
 * main.tsx bridges @convex-dev/auth's actions; the browser tests provide their own.
 */
import { useAuthActions } from "@convex-dev/auth/react";
import { createContext, useContext, type ReactNode } from "react";

interface AuthActions {
  signIn(): void;
  signOut(): void;
}

const AuthActionsContext = createContext<AuthActions | null>(null);

export function AuthActionsProvider({ actions, children }: { actions: AuthActions; children: ReactNode }) {
  return <AuthActionsContext.Provider value={actions}>{children}</AuthActionsContext.Provider>;
}

/** @convex-dev/auth's GitHub sign-in. Must be under ConvexAuthProvider. */
export function ConvexAuthActions({ children }: { children: ReactNode }) {
  const { signIn, signOut } = useAuthActions();
  // In the local demo (fake GitHub, no OAuth app) sign-in is the demo provider.
  const provider = import.meta.env.VITE_SYNCBOARD_DEMO ? "anonymous" : "github";
  return (
    <AuthActionsProvider actions={{ signIn: () => void signIn(provider), signOut: () => void signOut() }}>
      {children}
    </AuthActionsProvider>
  );
}

export function useSignInActions(): AuthActions {
  const actions = useContext(AuthActionsContext);
  if (!actions) throw new Error("AuthActionsProvider missing");
  return actions;
}
