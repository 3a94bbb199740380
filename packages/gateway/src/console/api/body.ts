import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Reads a JSON request body of at most `limit` bytes; anything else is a BodyError. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Stop reading at once: a body over the limit is never buffered whole.
    if (size > limit) throw new BodyError(413, `CAIRN_CONSOLE_BODY: the request body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new BodyError(400, `CAIRN_CONSOLE_BODY: the request body is not JSON: ${(error as Error).message}`);
  }
}

/** Runs `fn` and turns a BodyError into its answer. */
export async function withBody<T>(fn: () => Promise<T>): Promise<T | { status: number; body: { error: string } }> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof BodyError) return { status: error.status, body: { error: error.message } };
    throw error;
  }
}
