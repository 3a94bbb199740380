// `cairn strategy test`: runs recorded OTLP through the same BatchProcessor the workers use, with
// the strategy applied, and returns what each destination would receive.
import { protobufToJson, type Signal } from '@cairn/otlp';
import type { GatewayConfig } from '../config/types.js';
import { BatchProcessor } from '../pipeline/process.js';
import type { LedgerDelta } from '../stages/ledger.js';
import type { StrategyContent } from './content.js';
import { useStrategy } from './use.js';

export interface TrialOutput {
  destination: string;
  items: number;
  /** OTLP/JSON of what the destination would receive. */
  json: string;
}

export type TrialResult =
  | { ok: true; before: string; outputs: TrialOutput[]; unroutedItems: number; ledger?: LedgerDelta }
  | { ok: false; message: string };

/** Applies the strategy in `content` to one export request, as the gateway would. */
export class StrategyTrial {
  private readonly processor: BatchProcessor;

  constructor(config: GatewayConfig, content: StrategyContent) {
    // Recorded data is not a tenant's: every service is allowed, as one anonymous tenant.
    const trial: GatewayConfig = { ...config, auth: { header: 'authorization', tenants: [], anonymous: { tenant: 'trial', services: ['*'] } } };
    this.processor = new BatchProcessor(trial);
    useStrategy(this.processor, content);
  }

  run(signal: Signal, body: Uint8Array, format: 'json' | 'protobuf'): TrialResult {
    let before: string;
    try {
      before = format === 'json' ? JSON.stringify(JSON.parse(Buffer.from(body).toString('utf8'))) : protobufToJson(signal, body);
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
    const result = this.processor.process({ signal, format, tenant: 'trial', body });
    if (!result.ok) return { ok: false, message: result.message };
    const ledger = result.ledger;
    return {
      ok: true,
      before,
      outputs: result.outputs.map((o) => ({ destination: o.destination, items: o.items, json: protobufToJson(signal, o.body) })),
      unroutedItems: result.unroutedItems,
      ...(ledger ? { ledger } : {}),
    };
  }
}
