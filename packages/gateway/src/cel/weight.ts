// Sampling weight, the way OpenTelemetry's consistent-probability sampling writes it
// (TraceState: Probability Sampling): the `th` sub-key of the `ot` tracestate member holds a
// 56-bit rejection threshold T as 1 to 14 lowercase hex digits with trailing zeros removed
// ("th:0" = keep everything). A span is kept when its randomness R (the `rv` sub-key, 14 hex
// digits, else the last 7 bytes of the trace id) is >= T, so its probability is (2^56 - T) / 2^56
// and its adjusted count 2^56 / (2^56 - T). Two consistent samplers in a row keep R >= max(T1, T2):
// thresholds combine by taking the larger. Honeycomb's `SampleRate` attribute carries the same
// weight as an integer, and non-consistent rates multiply.
//
// A threshold is two 28-bit halves (hi, lo) so that comparisons and reads cost no allocation.

const TWO28 = 0x10000000;

/** A 56-bit rejection threshold: keep when randomness >= it. */
export interface Threshold {
  readonly hi: number;
  readonly lo: number;
}

/** th:0, keep everything (probability 1, weight 1). */
export const ALWAYS: Threshold = Object.freeze({ hi: 0, lo: 0 });

/** 1 to 14 lowercase hex digits; the value is padded with trailing zeros to 14. */
export function parseThreshold(hex: string): Threshold | undefined {
  if (!/^[0-9a-f]{1,14}$/.test(hex)) return undefined;
  const padded = hex.padEnd(14, '0');
  return { hi: parseInt(padded.slice(0, 7), 16), lo: parseInt(padded.slice(7), 16) };
}

/** The `th` value: 14 hex digits with trailing zeros removed, "0" for zero. */
export function formatThreshold(t: Threshold): string {
  const hex = (t.hi.toString(16).padStart(7, '0') + t.lo.toString(16).padStart(7, '0')).replace(/0+$/, '');
  return hex === '' ? '0' : hex;
}

export function compareThresholds(a: Threshold, b: Threshold): number {
  return a.hi !== b.hi ? a.hi - b.hi : a.lo - b.lo;
}

/** Two consistent samplers in a row: the larger threshold (the smaller probability). */
export function combineThresholds(a: Threshold, b: Threshold): Threshold {
  return compareThresholds(a, b) >= 0 ? a : b;
}

/** 2^56 / (2^56 - T): how many spans a kept one stands for. */
export function adjustedCount(t: Threshold): number {
  return (TWO28 * TWO28) / ((TWO28 - t.hi) * TWO28 - t.lo);
}

/**
 * The threshold for keeping 1 in `rate` (rate >= 1), rounded to `precision` hex digits after the
 * leading f's (so small probabilities keep their relative precision) the way OpenTelemetry's
 * samplers write it. Computed once per rate, off the hot path.
 */
export function thresholdForRate(rate: number, precision = 4): Threshold {
  if (!(rate >= 1) || !Number.isFinite(rate)) throw new RangeError(`sample rate must be a finite number >= 1, not ${rate}`);
  if (rate === 1) return ALWAYS;
  const max = 1n << 56n;
  // T = 2^56 - 2^56 / rate, in exact integer arithmetic on a 2^-40-fine rate.
  const scaled = BigInt(Math.round(rate * 2 ** 40));
  let t = max - (max << 40n) / scaled;
  const hex = t.toString(16).padStart(14, '0');
  const leadingF = /^f*/.exec(hex)![0].length;
  const digits = Math.min(14, leadingF + precision);
  const unit = 1n << BigInt(4 * (14 - digits));
  t = ((t + unit / 2n) / unit) * unit;
  if (t >= max) t = max - unit;
  return { hi: Number(t >> 28n), lo: Number(t & 0xfffffffn) };
}

/** The randomness of a trace: the last 7 bytes of its 16-byte id, as a threshold-shaped pair. */
export function traceRandomness(traceId: Uint8Array, into: { hi: number; lo: number }): void {
  const n = traceId.length;
  if (n < 7) {
    into.hi = 0;
    into.lo = 0;
    return;
  }
  const b = n - 7;
  into.hi = traceId[b]! * 0x100000 + traceId[b + 1]! * 0x1000 + traceId[b + 2]! * 0x10 + (traceId[b + 3]! >>> 4);
  into.lo = (traceId[b + 3]! & 0xf) * 0x1000000 + traceId[b + 4]! * 0x10000 + traceId[b + 5]! * 0x100 + traceId[b + 6]!;
}

/** Consistent decision: keep when randomness >= threshold. */
export function keeps(randomness: Threshold, t: Threshold): boolean {
  return randomness.hi > t.hi || (randomness.hi === t.hi && randomness.lo >= t.lo);
}

// --- tracestate ---

const MEMBER = /^([a-z0-9][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})=([\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e])$/;
const OT_PART = /^([a-z][a-z0-9]*):([a-zA-Z0-9._-]*)$/;
const MAX_MEMBERS = 32;
/** 32 members of at most 256 + 1 + 256 characters and their separators: anything longer is not W3C tracestate (and parsing it would cost a tenant's bytes over again). */
const MAX_TRACESTATE = 32 * 514;

/** What the `ot` member says about sampling. */
export interface OtSampling {
  /** false when the tracestate does not follow W3C Trace Context: then nothing in it is trusted. */
  readonly valid: boolean;
  readonly th: Threshold | undefined;
  readonly rv: Threshold | undefined;
}

const EMPTY: OtSampling = Object.freeze({ valid: true, th: undefined, rv: undefined });
const INVALID: OtSampling = Object.freeze({ valid: false, th: undefined, rv: undefined });

interface Member {
  key: string;
  value: string;
}

function members(tracestate: string): Member[] | undefined {
  if (tracestate.length > MAX_TRACESTATE) return undefined;
  const out: Member[] = [];
  const seen = new Set<string>();
  for (const raw of tracestate.split(',')) {
    const text = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (text === '') continue;
    const m = MEMBER.exec(text);
    if (m === null || seen.has(m[1]!)) return undefined;
    seen.add(m[1]!);
    out.push({ key: m[1]!, value: m[2]! });
    if (out.length > MAX_MEMBERS) return undefined;
  }
  return out;
}

function otParts(value: string): Member[] | undefined {
  const out: Member[] = [];
  for (const part of value.split(';')) {
    const m = OT_PART.exec(part);
    if (m === null || out.some((p) => p.key === m[1])) return undefined;
    out.push({ key: m[1]!, value: m[2]! });
  }
  return out;
}

/**
 * Reads `th` and `rv` from a W3C tracestate. A tracestate that breaks the W3C grammar (a bad
 * member, a duplicate key, more than 32 members) is `valid: false`; an `ot` value that breaks
 * OpenTelemetry's grammar, or a malformed th/rv, is ignored (absent), as the spec asks.
 */
export function readOtSampling(tracestate: string): OtSampling {
  if (tracestate === '') return EMPTY;
  const list = members(tracestate);
  if (list === undefined) return INVALID;
  const ot = list.find((m) => m.key === 'ot');
  if (ot === undefined) return EMPTY;
  const parts = otParts(ot.value);
  if (parts === undefined) return EMPTY;
  const thText = parts.find((p) => p.key === 'th')?.value;
  const rvText = parts.find((p) => p.key === 'rv')?.value;
  return {
    valid: true,
    th: thText === undefined ? undefined : parseThreshold(thText),
    rv: rvText !== undefined && /^[0-9a-f]{14}$/.test(rvText) ? parseThreshold(rvText) : undefined,
  };
}

/**
 * The tracestate with `ot`'s `th` set to `t` (other `ot` sub-keys and other members kept, `ot`
 * moved first as W3C asks of an updated member). An invalid tracestate is not propagated: the
 * result is `ot=th:…` alone. `t` undefined removes `th` (a weight nobody can vouch for).
 */
export function writeThreshold(tracestate: string, t: Threshold | undefined): string {
  const list = tracestate === '' ? [] : members(tracestate);
  const th = t === undefined ? undefined : `th:${formatThreshold(t)}`;
  if (list === undefined) return th === undefined ? '' : `ot=${th}`;
  const rest = list.filter((m) => m.key !== 'ot');
  const ot = list.find((m) => m.key === 'ot');
  const parts = (ot === undefined ? [] : otParts(ot.value) ?? []).filter((p) => p.key !== 'th').map((p) => `${p.key}:${p.value}`);
  if (th !== undefined) parts.unshift(th);
  let value = parts.join(';');
  if (value.length > 256) value = th ?? '';
  const out = value === '' ? rest : [{ key: 'ot', value }, ...rest];
  return out.slice(0, MAX_MEMBERS).map((m) => `${m.key}=${m.value}`).join(',');
}

// --- the weight a span arrives with ---

/** A SampleRate attribute's value as a weight: a finite number >= 1 (at most 2^53 - 1), else 1 (absent or nonsense). */
export function sampleRateWeight(sampleRateAttr: unknown): number {
  const n = typeof sampleRateAttr === 'bigint' ? Number(sampleRateAttr) : sampleRateAttr;
  return typeof n === 'number' && Number.isFinite(n) && n >= 1 ? Math.min(n, MAX_WEIGHT) : 1;
}

/** The largest weight written: a sender's SampleRate can be any double, a written one stays a safe integer. */
const MAX_WEIGHT = Number.MAX_SAFE_INTEGER;

/**
 * The weight (>= 1) a span arrives with: its `SampleRate` attribute and its `ot=th:` threshold.
 * When both are there the larger wins: a sampler that writes both writes the same weight, and a
 * non-consistent sampler downstream of a consistent one multiplies SampleRate but cannot raise th.
 */
export function upstreamWeight(sampleRateAttr: unknown, tracestate: string): number {
  const sr = sampleRateWeight(sampleRateAttr);
  if (tracestate === '') return sr;
  const th = readOtSampling(tracestate).th;
  return th === undefined ? sr : Math.max(sr, adjustedCount(th));
}

/**
 * The SampleRate to write after our consistent decision at threshold `ours`: the upstream weight
 * that no threshold explains (non-consistent sampling before us) times the adjusted count of the
 * combined threshold. `upstreamTh` is the incoming th, if any was valid.
 */
export function combinedSampleRate(upstreamSampleRate: number, upstreamTh: Threshold | undefined, combined: Threshold): number {
  const explained = upstreamTh === undefined ? 1 : adjustedCount(upstreamTh);
  const unexplained = Math.max(1, upstreamSampleRate / explained);
  return Math.min(MAX_WEIGHT, Math.max(1, Math.round(unexplained * adjustedCount(combined))));
}
