/** A listener that could not open its address: names the setting, so the fix is one edit. */
export class ListenError extends Error {
  readonly code: 'CAIRN_PORT_IN_USE' | 'CAIRN_LISTEN';
  constructor(readonly setting: string, readonly address: string, cause: unknown) {
    const reason = (cause as Error | undefined)?.message ?? String(cause);
    // grpc-js reports a taken port only inside its message ("… EADDRINUSE …").
    const inUse = (cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' || /EADDRINUSE/.test(reason);
    super(inUse ? `${address} is already in use (${setting})` : `cannot listen on ${address} (${setting}): ${reason}`);
    this.name = 'ListenError';
    this.code = inUse ? 'CAIRN_PORT_IN_USE' : 'CAIRN_LISTEN';
  }
}

/** Awaits a listener's start, turning its failure into a ListenError for `setting`. */
export async function listening<T>(start: () => Promise<T>, setting: string, at: { host: string; port: number }): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw new ListenError(setting, `${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`, error);
  }
}
