export function base64UrlEncode(data: Buffer | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

export function base64UrlDecode(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

export function encodeOpaqueToken(payload: object): string {
  return base64UrlEncode(JSON.stringify(payload));
}

/** Decodes a token made by encodeOpaqueToken; undefined when it is not one. */
export function decodeOpaqueToken(token: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(base64UrlDecode(token).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
