// Fuzz run: at least 1,000,000 cases of random bytes and mutated valid requests (bit flips,
// truncation, splices, overlong varints, deep nesting, JSON). Each case must decode or throw
// OtlpDecodeError; anything else is a crash. A case over CASE_MS is counted as a hang, and a
// watchdog ends a worker that stops reporting (a real infinite loop). Writes bench/results/otlp-fuzz.json.
// Run: npx tsc -b packages/otlp bench/otlp && node bench/otlp/dist/fuzz.js [cases]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AttributeCursor, OtlpDecodeError, buildTraces, decodeLogs, decodeMetrics, decodeTraces, decodeTracesJson, protobufToJson } from '@cairn/otlp';
import { traceCorpus } from './corpus.js';

const CASE_MS = 250;
const WATCHDOG_MS = 30_000;

interface Report { cases: number; decoded: number; rejected: number; crashes: number; hangs: number; slowestMs: number; byCode: Record<string, number>; byKind: Record<string, number>; crashSamples: string[] }

function seeds(): Uint8Array[] {
  const small = traceCorpus({ batches: 2, spansPerBatch: 4 }).requests;
  let deep: unknown = 'leaf';
  for (let i = 0; i < 40; i++) deep = i % 2 === 0 ? [deep] : new Map([['k', deep]]);
  const nested = buildTraces([{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'n', startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: { deep: deep as string, arr: [1, 2.5, 'x', true, new Uint8Array([1])] }, events: [{ timeUnixNano: 3n, name: 'e' }], links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }] }] }] }]);
  return [...small, nested];
}

function run(count: number, seed: number): Report {
  let s = seed >>> 0 || 1;
  const rand = (n: number): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % n; };
  const base = seeds();
  const report: Report = { cases: 0, decoded: 0, rejected: 0, crashes: 0, hangs: 0, slowestMs: 0, byCode: {}, byKind: {}, crashSamples: [] };
  const a = new AttributeCursor();
  const kinds = ['random', 'flip', 'truncate', 'splice', 'overlong', 'mixed', 'json'] as const;
  for (let c = 0; c < count; c++) {
    const kind = kinds[rand(kinds.length)]!;
    const src = base[rand(base.length)]!;
    let bytes: Uint8Array;
    if (kind === 'random') { bytes = new Uint8Array(rand(300)); for (let i = 0; i < bytes.length; i++) bytes[i] = rand(256); }
    else {
      bytes = Uint8Array.from(src);
      const steps = kind === 'mixed' ? 1 + rand(4) : 1;
      for (let k = 0; k < steps; k++) {
        const op = kind === 'mixed' ? kinds[1 + rand(4)]! : kind;
        const at = bytes.length === 0 ? 0 : rand(bytes.length);
        if (op === 'flip' || op === 'json') { if (bytes.length) bytes[at]! ^= 1 << rand(8); }
        else if (op === 'truncate') bytes = bytes.subarray(0, at);
        else if (op === 'splice') { const ins = new Uint8Array(rand(16)); for (let i = 0; i < ins.length; i++) ins[i] = rand(256); bytes = new Uint8Array([...bytes.subarray(0, at), ...ins, ...bytes.subarray(at)]); }
        else if (op === 'overlong') bytes = new Uint8Array([...bytes.subarray(0, at), ...new Array(10 + rand(3)).fill(0xff), rand(2), ...bytes.subarray(at)]);
      }
    }
    const t0 = performance.now();
    try {
      if (kind === 'json') {
        let text: string;
        try { text = protobufToJson('traces', src); } catch { text = '{}'; }
        const chars = text.split('');
        for (let k = 0; k < 3; k++) chars[rand(chars.length)] = '{}[]",:0a\\-e'[rand(12)]!;
        decodeTracesJson(chars.join(''));
      } else {
        const v = decodeTraces(bytes);
        const sp = v.spans();
        while (sp.next()) {
          s += sp.name.length + sp.traceIdHex.length + sp.statusCode + sp.durationNanos;
          sp.attributes(a);
          while (a.next()) void a.value;
          const ev = sp.events();
          while (ev.next()) void ev.name;
        }
        if (v.spanCount > 0) decodeTraces(v.edit().setAttribute('span', 0, 'k', 'v').drop('span', v.spanCount - 1).encode());
        protobufToJson('traces', bytes);
        try { decodeLogs(bytes).logs().next(); } catch (e) { if (!(e instanceof OtlpDecodeError)) throw e; }
        try { decodeMetrics(bytes).dataPoints().next(); } catch (e) { if (!(e instanceof OtlpDecodeError)) throw e; }
      }
      report.decoded++;
    } catch (e) {
      if (e instanceof OtlpDecodeError) { report.rejected++; report.byCode[e.code] = (report.byCode[e.code] ?? 0) + 1; }
      else { report.crashes++; if (report.crashSamples.length < 5) report.crashSamples.push(`${kind}: ${String(e)} input=${Buffer.from(bytes).toString('hex').slice(0, 400)}`); }
    }
    const ms = performance.now() - t0;
    if (ms > report.slowestMs) report.slowestMs = ms;
    if (ms > CASE_MS) report.hangs++;
    report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
    report.cases++;
    if (c % 20000 === 19999) parentPort?.postMessage({ progress: c + 1 });
  }
  return report;
}

if (!isMainThread) {
  const { count, seed } = workerData as { count: number; seed: number };
  parentPort!.postMessage({ done: run(count, seed) });
} else {
  const total = Number(process.argv[2] ?? 1_000_000);
  const workers = 2;
  const started = Date.now();
  const reports = await Promise.all(Array.from({ length: workers }, (_, w) => new Promise<Report>((resolve) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { count: Math.ceil(total / workers), seed: 0x9e3779b9 + w } });
    let timer = setTimeout(() => stalled(), WATCHDOG_MS);
    const stalled = (): void => {
      void worker.terminate();
      resolve({ cases: 0, decoded: 0, rejected: 0, crashes: 0, hangs: 1, slowestMs: WATCHDOG_MS, byCode: {}, byKind: {}, crashSamples: ['worker stopped reporting progress (hang)'] });
    };
    worker.on('message', (m: { progress?: number; done?: Report }) => {
      clearTimeout(timer);
      if (m.done) resolve(m.done);
      else timer = setTimeout(() => stalled(), WATCHDOG_MS);
    });
    worker.on('error', (e) => { clearTimeout(timer); resolve({ cases: 0, decoded: 0, rejected: 0, crashes: 1, hangs: 0, slowestMs: 0, byCode: {}, byKind: {}, crashSamples: [String(e)] }); });
  })));
  const sum: Report = { cases: 0, decoded: 0, rejected: 0, crashes: 0, hangs: 0, slowestMs: 0, byCode: {}, byKind: {}, crashSamples: [] };
  for (const r of reports) {
    sum.cases += r.cases; sum.decoded += r.decoded; sum.rejected += r.rejected; sum.crashes += r.crashes; sum.hangs += r.hangs;
    sum.slowestMs = Math.max(sum.slowestMs, r.slowestMs);
    for (const [k, v] of Object.entries(r.byCode)) sum.byCode[k] = (sum.byCode[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.byKind)) sum.byKind[k] = (sum.byKind[k] ?? 0) + v;
    sum.crashSamples.push(...r.crashSamples);
  }
  const out = { generatedBy: `node bench/otlp/dist/fuzz.js ${total}`, date: new Date().toISOString(), node: process.version, seconds: Math.round((Date.now() - started) / 100) / 10, perCaseLimitMs: CASE_MS, ...sum, slowestMs: Math.round(sum.slowestMs * 10) / 10 };
  console.log(JSON.stringify(out, null, 2));
  writeFileSync(fileURLToPath(new URL('../../results/otlp-fuzz.json', import.meta.url)), JSON.stringify(out, null, 2) + '\n');
  process.exit(sum.crashes + sum.hangs === 0 ? 0 : 1);
}
