import { traceCorpus } from '/work/wt-inventory/bench/otlp/dist/corpus.js';
import { exampleRegistry } from '/work/wt-inventory/packages/gateway/dist/stages/test-support.js';
import { decodeTraces, AttributeCursor } from '@cairn/otlp';
const { InventoryTap } = await import(process.argv[2]);
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const views = corpus.requests.map((b) => decodeTraces(b));
const tap = new InventoryTap(exampleRegistry().registry);
const attrs = new AttributeCursor(); let sink = 0;
function walk(v) { const s = v.spans(); while (s.next()) { sink += s.name.length; s.attributes(attrs); while (attrs.next()) sink += attrs.key.length; } }
const xs = [];
for (let r = 0; r < 21; r++) { let c0 = process.cpuUsage(); for (const v of views) walk(v); let c = process.cpuUsage(c0); const w = c.user + c.system; c0 = process.cpuUsage(); for (const v of views) tap.record(v); c = process.cpuUsage(c0); xs.push((c.user + c.system) / w); }
console.log(process.argv[3], 'tap/walk', xs.sort((a, b) => a - b)[10].toFixed(2));
