// The reference's forwarder: drains the SQLite queue to the backend with the same posture as
// Cairn's dispatcher in the bench config: up to `concurrency` export requests in flight, in
// queue order; consecutive rows merged into one request up to `maxItems` spans and `maxBytes`
// bytes (protobuf concatenation of Export*ServiceRequests is one request), never waiting to fill
// one; a failure is retried after a capped exponential backoff.
import { Pool } from 'undici';
import type { ReferenceQueue } from './queue.js';

export interface ForwarderSettings { concurrency: number; maxItems: number; maxBytes: number; connections: number }

export class Forwarder {
  private cursor = 0;
  private inFlight = 0;
  private readonly pool: Pool;
  private readonly path: string;
  private stopped = false;

  constructor(backend: URL, private readonly queue: ReferenceQueue, private readonly settings: ForwarderSettings) {
    this.pool = new Pool(backend.origin, { connections: settings.connections, pipelining: 1 });
    this.path = `${backend.pathname.replace(/\/$/, '')}/v1/traces`;
  }

  notify(): void {
    while (!this.stopped && this.inFlight < this.settings.concurrency) {
      const rows = this.queue.peek(this.cursor, 64);
      if (rows.length === 0) return;
      let items = 0;
      let bytes = 0;
      let last = 0;
      for (const row of rows) {
        if (last !== 0 && (items + row.items > this.settings.maxItems || bytes + row.bytes > this.settings.maxBytes)) break;
        items += row.items;
        bytes += row.bytes;
        last = row.id;
      }
      const first = rows[0]!.id;
      this.cursor = last;
      this.inFlight++;
      void this.send(first, last, bytes).finally(() => {
        this.inFlight--;
        this.notify();
      });
    }
  }

  private async send(first: number, last: number, bytes: number): Promise<void> {
    const bodies = this.queue.read(first, last);
    const body = bodies.length === 1 ? bodies[0]! : Buffer.concat(bodies);
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const res = await this.pool.request({ path: this.path, method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
        await res.body.dump();
        if (res.statusCode === 200) {
          this.queue.ack(first, last, bytes);
          return;
        }
      } catch {
        // retried below
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.pool.close();
  }
}
