/**
 * "Notifications on this device": Web Push opt-in per browser (notify/push.ts). Subscribes through the
 * service worker's PushManager with the deployment's public VAPID key; the subscription goes to the
 * server and never comes back. What a browser cannot do (a tray icon, starting with the computer) is
 * said in the README.
 */
import { useMutation, useQuery } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { errorText } from "./errorText";

type State = "unsupported" | "denied" | "off" | "on" | "working";

const fromBase64Url = (s: string) => {
  const text = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
};
const toBase64Url = (buffer: ArrayBuffer | null) =>
  buffer
    ? btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "")
    : "";

/** "Chrome on Linux": enough to tell one's devices apart, nothing more. */
function deviceLabel(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrome\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}

export function PushNotifications({ installationId }: { installationId: Id<"installations"> }) {
  const settings = useQuery(api.notify.push.settings, { installationId });
  const subscribe = useMutation(api.notify.push.subscribe);
  const unsubscribe = useMutation(api.notify.push.unsubscribe);
  const [state, setState] = useState<State>("working");
  const [error, setError] = useState<string | null>(null);
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  useEffect(() => {
    if (!supported) return setState("unsupported");
    if (Notification.permission === "denied") return setState("denied");
    void navigator.serviceWorker
      .getRegistration()
      .then(async (r) => setState((await r?.pushManager.getSubscription()) ? "on" : "off"));
  }, [supported]);

  async function turnOn() {
    setError(null);
    setState("working");
    try {
      if ((await Notification.requestPermission()) !== "granted") return setState("denied");
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromBase64Url(settings!.publicKey!),
      });
      await subscribe({
        installationId,
        endpoint: subscription.endpoint,
        p256dh: toBase64Url(subscription.getKey("p256dh")),
        auth: toBase64Url(subscription.getKey("auth")),
        label: deviceLabel(),
      });
      setState("on");
    } catch (e) {
      setError(errorText(e, "Notifications could not be turned on."));
      setState("off");
    }
  }

  async function turnOff() {
    setState("working");
    const registration = await navigator.serviceWorker.getRegistration();
    const subscription = await registration?.pushManager.getSubscription();
    if (subscription) {
      await unsubscribe({ installationId, endpoint: subscription.endpoint }).catch(() => undefined);
      await subscription.unsubscribe();
    }
    setState("off");
  }

  return (
    <section aria-labelledby="push-heading">
      <h3 id="push-heading">Notifications on this device</h3>
      <p className="muted">
        Your own alerts — your pull requests, reviews asked of you or your teams — as notifications from your browser,
        even when Syncboard is closed; a click opens the pull request.
      </p>
      {settings === undefined ? null : settings === null || settings.publicKey === null ? (
        <p className="muted">Notifications are not configured on this deployment (its VAPID keys are not set).</p>
      ) : state === "unsupported" ? (
        <p className="muted">
          This browser cannot receive notifications here. On an iPhone or iPad, add Syncboard to the Home Screen first.
        </p>
      ) : state === "denied" ? (
        <p className="muted">Notifications are blocked for this site: allow them in the browser's site settings.</p>
      ) : (
        <p>
          <button
            type="button"
            disabled={state === "working"}
            onClick={() => void (state === "on" ? turnOff() : turnOn())}
          >
            {state === "on" ? "Turn off on this device" : "Turn on for this device"}
          </button>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {settings && settings.devices.length > 0 && (
        <p className="muted">Your devices: {settings.devices.map((d) => d.label).join(", ")}.</p>
      )}
    </section>
  );
}
