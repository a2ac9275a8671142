/**
 * GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
 *
 * WebCrypto's HMAC verify, the same primitive `@octokit/webhooks`' web build calls (and it compares
 * in constant time), but over the body's bytes as received: the library takes a string and encodes
 * it to UTF-8 again for every secret it tries, a further copy of a body of up to 20 MiB each time.
 */

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Whether `signature` is the HMAC of `body` under one of `secrets` (the current one, or the previous
 * one while rotating). An empty body, or a missing or malformed header, never verifies.
 */
export async function verifyWebhookSignature(
  body: Uint8Array<ArrayBuffer> | string,
  signature: string | null | undefined,
  secrets: readonly string[],
): Promise<boolean> {
  const hex = SIGNATURE.exec(signature ?? "")?.[1];
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  if (!hex || bytes.byteLength === 0) return false;
  const expected = new Uint8Array(32);
  for (let i = 0; i < 32; i++) expected[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  for (const secret of secrets) {
    if (!secret) continue;
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    if (await crypto.subtle.verify("HMAC", key, expected, bytes)) return true;
  }
  return false;
}
