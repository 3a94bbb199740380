// grpc-js receives and inflates a call's message before the handler runs, where no body reader
// can charge it chunk by chunk. So a call reserves `max_request_size` (the most grpc-js will
// inflate) when its metadata arrives, before any of its message is read; the handler then trims
// the reservation to the inflated size. A call the budget cannot take is refused at once with
// RESOURCE_EXHAUSTED and its message is never read. Every reservation is released when the call
// ends, however it ends (grpc-js tells every listener `onCancel` at the end of each call).
import { Metadata, ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor } from '@grpc/grpc-js';
import { Reservation, type Admission, type Ingest } from '../../pipeline/ingest.js';

export interface CallRefusal {
  code: number;
  details: string;
  metadata?: Metadata;
}

export class ReceiveBudget {
  private readonly held = new WeakMap<Metadata, { reservation: Reservation; timer: NodeJS.Timeout }>();

  /**
   * @param refusalOf why a call is refused before its message is read: failed authentication
   *   (checked first, so an unknown client holds nothing) or an Admission from the budget.
   * @param receiveTimeoutMs how long a call may take to deliver its message while it holds the
   *   budget; a slower one is ended with DEADLINE_EXCEEDED.
   */
  constructor(
    private readonly ingest: Ingest,
    private readonly maxRequestBytes: number,
    private readonly refusalOf: (metadata: Metadata, admission?: Admission) => CallRefusal | undefined,
    private readonly receiveTimeoutMs = 60_000,
  ) {}

  readonly interceptor: ServerInterceptor = (_method, next) => {
    let held: Reservation | undefined;
    let timer: NodeJS.Timeout | undefined;
    const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) => startNext({
        onReceiveMetadata: (metadata, metadataNext) => {
          const denied = this.refusalOf(metadata);
          if (denied) {
            call.sendStatus(denied);
            return;
          }
          const admitted = this.ingest.admit(this.maxRequestBytes);
          if (!(admitted instanceof Reservation)) {
            call.sendStatus(this.refusalOf(metadata, admitted) ?? { code: GrpcStatus.RESOURCE_EXHAUSTED, details: admitted.message });
            return;
          }
          held = admitted;
          timer = setTimeout(() => call.sendStatus({ code: GrpcStatus.DEADLINE_EXCEEDED, details: `the message did not arrive within ${this.receiveTimeoutMs} ms` }), this.receiveTimeoutMs);
          timer.unref();
          this.held.set(metadata, { reservation: admitted, timer });
          metadataNext(metadata);
        },
        onCancel: () => {
          clearTimeout(timer);
          if (held) this.ingest.release(held);
        },
      }),
    });
    return call;
  };

  /** The call's reservation, trimmed to its inflated message; undefined when the call has none. */
  take(metadata: Metadata, messageBytes: number): Reservation | undefined {
    const entry = this.held.get(metadata);
    if (!entry) return undefined;
    this.held.delete(metadata);
    clearTimeout(entry.timer);
    this.ingest.resize(entry.reservation, messageBytes);
    return entry.reservation;
  }
}
