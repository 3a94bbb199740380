// One cold run of the pipeline in a fresh process, as a user's `cairn` invocation would be.
import { runPipeline } from './pipeline.js';

const [registryDir, upstreamDir] = process.argv.slice(2);
const result = runPipeline(registryDir!, upstreamDir!);
process.stdout.write(`${JSON.stringify(result)}\n`);
