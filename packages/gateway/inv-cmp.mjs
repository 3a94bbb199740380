import { traceCorpus } from '/work/wt-inventory/bench/otlp/dist/corpus.js';
import { exampleRegistry } from '/work/wt-inventory/packages/gateway/dist/stages/test-support.js';
import { decodeTraces } from '@cairn/otlp';
const { InventoryTap } = await import(process.argv[2]);
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const views = corpus.requests.map((b) => decodeTraces(b));
const tap = new InventoryTap(exampleRegistry().registry);
const xs = [];
for (let r = 0; r < 15; r++) { const c0 = process.cpuUsage(); for (const v of views) tap.record(v); const c = process.cpuUsage(c0); xs.push((c.user + c.system) * 1000 / corpus.spanCount); }
console.log(process.argv[3], xs.sort((a, b) => a - b)[7].toFixed(0), 'ns/span');
