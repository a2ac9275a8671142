/**
 * GitHub hands out App private keys as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), but WebCrypto — all
 * Convex's default runtime has for RS256 — imports only PKCS#8. `universal-github-app-jwt` refuses
 * PKCS#1 outside Node, and no maintained package converts without Node's `crypto`, so we wrap the
 * key ourselves: PKCS#8 = SEQUENCE { INTEGER 0, AlgorithmIdentifier rsaEncryption, OCTET STRING pkcs1 }.
 */

const PKCS1 = /-----BEGIN RSA PRIVATE KEY-----([\s\S]+?)-----END RSA PRIVATE KEY-----/;
/** AlgorithmIdentifier { OID 1.2.840.113549.1.1.1 (rsaEncryption), NULL }. */
const RSA_ALGORITHM = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

/** Accepts PKCS#1 or PKCS#8 PEM (with real or `\n`-escaped newlines, as env vars often carry). */
export function toPkcs8Pem(pem: string): string {
  const text = pem.replace(/\\n/g, "\n").trim();
  const match = PKCS1.exec(text);
  if (!match) return text;
  const pkcs1 = base64ToBytes(match[1]!.replace(/\s+/g, ""));
  const body = [
    ...derElement(0x02, [0x00]), // version 0
    ...RSA_ALGORITHM,
    ...derElement(0x04, [...pkcs1]),
  ];
  const der = derElement(0x30, body);
  const b64 = bytesToBase64(Uint8Array.from(der));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----`;
}

function derElement(tag: number, content: number[]): number[] {
  return [tag, ...derLength(content.length), ...content];
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
