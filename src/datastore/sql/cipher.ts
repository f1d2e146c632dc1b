/**
 * The at-rest cipher (engine spec §12): AES-256-GCM from `node:crypto`, the key being SHA-256 of
 * the configured passphrase (`datastore.encryption.key`), a fresh random 12-byte nonce per value.
 * A sealed value reads `enc:` + base64(nonce ‖ ciphertext ‖ 16-byte tag), Tork's format, so a
 * value sealed by Tork with the same passphrase opens here too.
 *
 * GCM authenticates: a value changed on disk, or sealed under another key, does not open (it is
 * never silently decrypted into garbage).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const SEALED_PREFIX = 'enc:';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** True when `text` carries the sealed-value prefix (it may still fail to open). */
export function looksSealed(text: string): boolean {
  return text.startsWith(SEALED_PREFIX);
}

export class SecretCipher {
  private readonly key: Buffer;

  /** @param passphrase the configured key; any non-empty string. */
  constructor(passphrase: string) {
    if (!passphrase) throw new Error('SecretCipher: an empty passphrase is no key');
    this.key = createHash('sha256').update(passphrase, 'utf8').digest();
  }

  seal(plain: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
  }

  /** The clear text, or undefined when `sealed` is not a value sealed under this key. */
  open(sealed: string): string | undefined {
    if (!looksSealed(sealed)) return undefined;
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
