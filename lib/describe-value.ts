/**
 * A short rendering of an unexpected value for an error message ("got …"):
 * `String(value)` would say `[object Object]` for an object, which tells the caller nothing.
 */
export function describeValue (value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' ? 'a function' : String(value)
  }
  let text: string
  try {
    text = JSON.stringify(value)
  } catch {
    // Cycles or BigInt fields: the kind of object is all we can say.
    text = Array.isArray(value) ? 'an array' : 'an object'
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
