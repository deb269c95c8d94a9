import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-signs cookie values with the cookie secret: `<value>.<base64url mac>`. */
export class CookieSigner {
  constructor(private readonly secret: Buffer) {}

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.secret)
      .update(purpose)
      .update('\0')
      .update(value)
      .digest('base64url');
  }

  sign(purpose: string, value: string): string {
    return `${value}.${this.mac(purpose, value)}`;
  }

  /** The value, or null when the signature does not match. */
  unsign(purpose: string, signed: string | undefined): string | null {
    if (!signed) return null;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    const given = Buffer.from(signed.slice(dot + 1));
    const want = Buffer.from(this.mac(purpose, value));
    return given.length === want.length && timingSafeEqual(given, want) ? value : null;
  }

  /** A deterministic token derived from an id (XSRF tokens). */
  derive(purpose: string, id: string): string {
    return this.mac(purpose, id);
  }
}
