/**
 * The ArrayBuffers that can move to another thread without a copy: only those a view spans
 * whole. Node's small Buffers are slices of a shared pool; transferring one would detach the
 * pool under every other Buffer in it, so those are copied instead.
 */
export function transferList(views: readonly Uint8Array[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const view of views) {
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && buffer.byteLength > 0) out.add(buffer);
  }
  return [...out];
}
