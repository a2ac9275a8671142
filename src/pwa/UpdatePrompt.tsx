/**
 * Registers the service worker (src/pwa/sw.ts) and, when a new version has been deployed and is
 * waiting, offers to reload into it — never on its own, so nothing typed is lost.
 */
/// <reference types="vite-plugin-pwa/client" />
import { useEffect, useState } from "react";
import { registerSW } from "virtual:pwa-register";

export function UpdatePrompt() {
  const [update, setUpdate] = useState<((reload?: boolean) => Promise<void>) | null>(null);
  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    const updateSW = registerSW({ onNeedRefresh: () => setUpdate(() => updateSW) });
  }, []);
  if (!update) return null;
  return (
    <div className="banner info update-prompt" role="status">
      A new version of Syncboard is available.{" "}
      <button type="button" onClick={() => void update(true)}>
        Reload
      </button>{" "}
      <button type="button" className="link" onClick={() => setUpdate(null)}>
        Later
      </button>
    </div>
  );
}
