/**
 * client-node's typed APIs (CoreV1Api, BatchV1Api) turn timestamps into Date objects; the
 * controllers expect objects shaped as the server's JSON (RFC 3339 strings, second precision),
 * as LocalStore and the custom-object API return them. This converts one into the other.
 */

/** Kubernetes metav1.Time: RFC 3339 in seconds, e.g. `2024-05-01T10:00:00Z`. */
function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A deep JSON copy with every Date written as metav1.Time. */
export function toPlain<T>(typed: unknown): T {
  return JSON.parse(
    JSON.stringify(typed, function (this: Record<string, unknown>, key: string, value: unknown) {
      // `this[key]` is the value before Date.prototype.toJSON ran.
      const raw = this[key];
      return raw instanceof Date ? kubeTime(raw) : value;
    }),
  ) as T;
}
