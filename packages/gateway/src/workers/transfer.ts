/**
 * The ArrayBuffers that can move to another thread without a copy: only those a view spans
 * whole. Node's small Buffers are slices of a shared pool; transferring one would detach the
 * pool under every other Buffer in it, so those are copied instead.
 */
export function transferList(views: readonly Uint8Array[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const view of views) {
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && spansWhole(view) && buffer.byteLength > 0) out.add(buffer);
  }
  return [...out];
}

/** Whether `view` is its whole ArrayBuffer: a structured clone of any other view copies the rest of the buffer too. */
export function spansWhole(view: Uint8Array): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}
