// What the reference checks in a decoded request: the same checks Cairn's default pass-through
// config makes, done the obvious way on protobufjs objects, so both gateways do equal work.
//  - ownership: every resource's `service.name` must be a string matched by the tenant's
//    patterns (the bench runs anonymous ingest, whose pattern is `*`, as Cairn's config does);
//    a resource with two `service.name` keys or a non-string one refuses the request (400);
//  - ids: a span whose trace_id is not 16 bytes or span_id not 8 bytes (or all zero), whose
//    parent_span_id is neither empty nor 8 bytes, or whose link has a malformed id, is dropped
//    alone and counted as refused (partial success), as Cairn does.
// What it cannot do: protobufjs merges a repeated singular field (two `resource` fields) before
// the code sees it, so a crafted request that Cairn refuses is read here one way only. The
// corpus never contains one, so this costs Cairn nothing the reference skips.

export interface KeyValue { key: string; value?: { stringValue?: string | null } & Record<string, unknown> | null }
export interface Link { traceId: Uint8Array; spanId: Uint8Array }
export interface Span { traceId: Uint8Array; spanId: Uint8Array; parentSpanId: Uint8Array; links: Link[] }
export interface ScopeSpans { spans: Span[] }
export interface ResourceSpans { resource?: { attributes: KeyValue[] } | null; scopeSpans: ScopeSpans[] }
export interface TracesRequest { resourceSpans: ResourceSpans[] }

export type CheckResult = { ok: true; items: number; refused: number } | { ok: false; message: string };

/** `*` and `prefix-*` patterns, as Cairn's tenant config takes them. */
export function compilePatterns(patterns: readonly string[]): (service: string) => boolean {
  const regex = new RegExp(`^(?:${patterns.map((p) => p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')).join('|')})$`);
  return (service) => regex.test(service);
}

function validId(id: Uint8Array | undefined, size: number, emptyAllowed: boolean): boolean {
  if (!id || id.length === 0) return emptyAllowed;
  if (id.length !== size) return false;
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return true;
  return false;
}

function spanIdsValid(span: Span): boolean {
  if (!validId(span.traceId, 16, false) || !validId(span.spanId, 8, false) || !validId(span.parentSpanId, 8, true)) return false;
  for (const link of span.links) if (!validId(link.traceId, 16, false) || !validId(link.spanId, 8, false)) return false;
  return true;
}

/** Checks a decoded request in place: malformed spans are removed from it. */
export function checkRequest(request: TracesRequest, owns: (service: string) => boolean): CheckResult {
  let items = 0;
  let refused = 0;
  for (let r = 0; r < request.resourceSpans.length; r++) {
    const resource = request.resourceSpans[r]!;
    let service: string | undefined;
    let seen = false;
    for (const kv of resource.resource?.attributes ?? []) {
      if (kv.key !== 'service.name') continue;
      if (seen) return { ok: false, message: `resource ${r}: service.name appears twice` };
      seen = true;
      const value = kv.value?.stringValue;
      if (typeof value !== 'string') return { ok: false, message: `resource ${r}: service.name is not a string` };
      service = value;
    }
    service ??= 'unknown_service';
    if (!owns(service)) return { ok: false, message: `may not send data for service.name "${service}" (resource ${r})` };
    for (const scope of resource.scopeSpans) {
      let bad = 0;
      for (const span of scope.spans) if (!spanIdsValid(span)) bad++;
      if (bad > 0) scope.spans = scope.spans.filter(spanIdsValid);
      items += scope.spans.length + bad;
      refused += bad;
    }
  }
  return { ok: true, items, refused };
}
