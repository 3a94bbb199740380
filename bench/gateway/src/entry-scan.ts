/**
 * The receivers' pre-decode entry count (`packages/gateway/src/pipeline/items.ts`) runs on the
 * main thread for every protobuf request, before the in-flight budget reserves the codec index.
 * It must stay a small fraction of the decode it guards. Reference in the same run: the codec's
 * validating decode of the same requests (which runs on a processing thread).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeTraces } from '@cairn/otlp';
import { countEntries } from '../../../packages/gateway/dist/pipeline/items.js';
import { traceCorpus } from '../../otlp/dist/corpus.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const { requests } = traceCorpus();
let spans = 0;
let bytes = 0;
for (const r of requests) {
  spans += decodeTraces(r).spanCount;
  bytes += r.length;
}

function rate(run: (body: Uint8Array) => void): number {
  for (let w = 0; w < 3; w++) for (const r of requests) run(r);
  const started = performance.now();
  let rounds = 0;
  while (performance.now() - started < SECONDS * 1000) {
    for (const r of requests) run(r);
    rounds++;
  }
  return (rounds * spans) / ((performance.now() - started) / 1000);
}

// Alternating rounds, medians: the two sides see the same machine state.
const scans: number[] = [];
const decodes: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  scans.push(rate((b) => void countEntries('traces', b, 100_000)));
  decodes.push(rate((b) => void decodeTraces(b)));
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const scan = median(scans);
const decode = median(decodes);
const result = {
  benchmark: 'the receivers\' pre-decode entry count against the validating decode of the same requests',
  rounds: ROUNDS, secondsPerSide: SECONDS, bytesPerSpan: Math.round(bytes / spans), requests: requests.length,
  medianSpansPerSecond: { entryScan: Math.round(scan), validatingDecode: Math.round(decode) },
  scanShareOfDecode: Number((decode / scan).toFixed(4)),
};
writeFileSync(fileURLToPath(new URL('../../results/entry-scan.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`entry scan: ${(scan / 1e6).toFixed(1)}M spans/s | validating decode: ${(decode / 1e6).toFixed(2)}M spans/s | scan costs ${((decode / scan) * 100).toFixed(1)}% of a decode (medians of ${ROUNDS} rounds; ${(bytes / spans).toFixed(0)} B/span, ${requests.length} requests of ${Math.round(spans / requests.length)} spans)\n`);
