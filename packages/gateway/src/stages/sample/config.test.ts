import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStrategyText } from '../../strategy/document.js';
import { compileStrategy } from '../../strategy/compile.js';

function problems(yaml: string): string[] {
  const parsed = parseStrategyText(yaml, 'strategy.yaml', ['honeycomb', 'archive']);
  return parsed.problems.map((p) => `${p.location}: ${p.path}: ${p.message}`);
}

describe('strategy file: destinations.<name>.sampling', () => {
  it('reads every setting, with defaults, into the compiled strategy', () => {
    const yaml = `destinations:
  honeycomb:
    sampling:
      dynamic: { key: [service.name, http.route, http.response.status_code], goal_sample_rate: 20 }
      keep: ['span.status.code == 2', 'span.duration_ms > 2000']
      drop: ['span.name == "GET /healthz"']
      budgets: { per: service.name, spans_per_sec: 5000 }
      limits: { max_attribute_value_length: 4096, max_attributes_per_span: 128, max_events_per_span: 32 }
      tail: { decision_wait: 10s, rules: [] }
      dry_run: false
  archive: {}
`;
    const parsed = parseStrategyText(yaml, 'strategy.yaml', ['honeycomb', 'archive']);
    assert.deepEqual(parsed.problems, []);
    const strategy = compileStrategy({ strategy: parsed.document!, keys: {}, threads: 2 })!;
    assert.equal(strategy.threads, 2);
    assert.deepEqual(strategy.destinations.get('honeycomb')!.sampling, {
      keep: ['span.status.code == 2', 'span.duration_ms > 2000'],
      drop: ['span.name == "GET /healthz"'],
      dry_run: false,
      dynamic: { key: ['service.name', 'http.route', 'http.response.status_code'], goal_sample_rate: 20, interval_ms: 15_000, weight: 0.5, max_keys: 500 },
      budgets: { per: 'service.name', spans_per_sec: 5000, interval_ms: 1000, max_keys: 1000 },
      limits: { max_attribute_value_length: 4096, max_attributes_per_span: 128, max_events_per_span: 32 },
      tail: { decision_wait: '10s', rules: [] },
    });
    assert.equal(strategy.destinations.get('archive')!.sampling, undefined);
  });

  it('refuses bad rules, goals, durations and unknown settings, naming path and line', () => {
    const found = problems(`destinations:
  honeycomb:
    sampling:
      keep: ['span.status.cod == 2']
      drop: ['span.name']
      dynamic: { key: http.route, goal_sample_rate: 20, goal_throughput_per_sec: 100, interval: soon }
      head: { sample_rate: 0.5 }
      budgets: { per: service.name }
      limits: { max_events: 3 }
`);
    const expect = [
      /strategy\.yaml:4:\d+: destinations\.honeycomb\.sampling\.keep\.0: does not type-check: No such key: cod/,
      /strategy\.yaml:5:\d+: destinations\.honeycomb\.sampling\.drop\.0: must be a boolean condition, but is string/,
      /strategy\.yaml:6:\d+: destinations\.honeycomb\.sampling\.dynamic: give exactly one of goal_sample_rate/,
      /destinations\.honeycomb\.sampling\.dynamic\.interval: must be a duration like/,
      /strategy\.yaml:7:\d+: destinations\.honeycomb\.sampling\.head\.sample_rate: must be >= 1/,
      /destinations\.honeycomb\.sampling\.budgets: give exactly one of spans_per_sec or bytes_per_sec/,
      /destinations\.honeycomb\.sampling\.limits.*max_events/,
    ];
    for (const re of expect) assert.ok(found.some((p) => re.test(p)), `${re} in\n${found.join('\n')}`);
  });

  it('checks tail: with the rules of tail sampling, each problem once, under its path', () => {
    const found = problems('destinations:\n  honeycomb:\n    sampling:\n      tail: { decision_wait: soon, rules: [] }\n');
    assert.equal(found.filter((p) => p.includes('destinations.honeycomb.sampling.tail.decision_wait')).length, 1, found.join('\n'));
  });
});
