// Shared by the tail-sampling e2e tests: a gateway config whose one destination is tail-sampled,
// and sums of its Prometheus counters.
import { harnessYaml, HTTP_RECEIVER, LOOPBACK_ADMIN } from './harness.js';

/** A gateway config with one destination `backend` delivering to `sinkUrl`; `sampling` is its `sampling:` value (flow YAML). */
export function tailConfigYaml(sinkUrl: string, sampling: string): string {
  return harnessYaml(sinkUrl, './queue', `auth: { anonymous: true }
strategy:
  destinations:
    backend:
      sampling: ${sampling}`, '', HTTP_RECEIVER, LOOPBACK_ADMIN);
}

/** The sum of a metric's samples whose labels include `labels`, from the admin listener's /metrics. */
export async function metricSum(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
