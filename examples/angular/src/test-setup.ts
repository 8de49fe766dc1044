// jsdom gives the tests its own Uint8Array while TextEncoder stays Node's, so
// `encode()` returns a typed array of another realm and glueberry's
// `data instanceof Uint8Array` checks refuse it (a browser has one realm).
// Re-wrap the bytes in this realm's Uint8Array.
const NodeTextEncoder = globalThis.TextEncoder;
class RealmTextEncoder extends NodeTextEncoder {
  override encode(input?: string): Uint8Array<ArrayBuffer> {
    return new Uint8Array(super.encode(input));
  }
}
globalThis.TextEncoder = RealmTextEncoder;
