// THE SLO HOOK for `cairn report` ("read by") and `cairn gaps` ("SLO fields missing"): which
// attribute keys each SLO reads. The SLO feature (issue 13) fills it from its compiled SLOs
// (`SpanExpression.reads`); until then no SLO reads anything and both say so.
import type { GatewayConfig, SloReads } from '@cairn/gateway';

export function sloReadsOf(_config: GatewayConfig): SloReads[] {
  return [];
}
