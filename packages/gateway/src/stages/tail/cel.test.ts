// Tail rules in the real CEL trace environment (../../cel): the examples of docs/sampling.md.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTraces } from '@cairn/otlp';
import { parseStrategyText } from '../../strategy/document.js';
import { compileTailRules, celTraceCompiler, decideTrace } from './rules.js';
import { request, tailConfig, type TestSpan } from './test-support.js';

const config = tailConfig({
  decision_wait: '10s',
  rules: [
    { name: 'errors', when: 'trace.any(s, s.status.code == 2)', keep: true },
    { name: 'slow', when: 'trace.root.duration_ms > 1000', keep: true },
    { name: 'payments', when: 'trace.count(s, s.resource["service.name"] == "payments") > 0', sample_rate: 1 },
    { name: 'big', when: 'trace.span_count > 3', drop: true },
    { name: 'rest', sample_rate: 10 },
  ],
});
const rules = compileTailRules(config.rules, celTraceCompiler);

function decide(spans: TestSpan[]) {
  const errors = { count: 0 };
  const id = new Uint8Array(16).fill(0xff); // randomness at the top: a sample_rate rule keeps it
  return { ...decideTrace(rules, decodeTraces(request(spans)), id, errors), errors: errors.count };
}

describe('tail: rules in CEL', () => {
  it('tests any span\'s error, the root\'s duration, attributes and span counts; first match wins', () => {
    assert.deepEqual(decide([{ trace: 1, span: 1, root: true }, { trace: 1, span: 2, error: true }]), { keep: true, rule: 'errors', rate: 1, errors: 0 });
    assert.deepEqual(decide([{ trace: 1, span: 1, root: true, durationMs: 2000 }, { trace: 1, span: 2 }, { trace: 1, span: 3 }, { trace: 1, span: 4 }, { trace: 1, span: 5 }]), { keep: true, rule: 'slow', rate: 1, errors: 0 });
    assert.deepEqual(decide([{ trace: 1, span: 1, service: 'payments' }, { trace: 1, span: 2 }, { trace: 1, span: 3 }, { trace: 1, span: 4 }]), { keep: true, rule: 'payments', rate: 1, errors: 0 });
    assert.deepEqual(decide([{ trace: 1, span: 1, root: true }, { trace: 1, span: 2 }, { trace: 1, span: 3 }, { trace: 1, span: 4 }]), { keep: false, rule: 'big', rate: 1, errors: 0 });
    // No root seen: `slow` reads an absent root and does not match; nothing counts as an error.
    assert.deepEqual(decide([{ trace: 1, span: 2 }]), { keep: true, rule: 'rest', rate: 10, errors: 0 });
  });

  it('a strategy file with a rule that does not compile is refused with the rule\'s path and line', () => {
    const text = [
      'destinations:',
      '  hc:',
      '    sampling:',
      '      tail:',
      '        decision_wait: 5s',
      '        rules:',
      '          - { name: errors, when: "trace.any(s, s.status.code == 2)", keep: true }',
      '          - { name: broken, when: "trace.nope(", drop: true }',
    ].join('\n');
    const parsed = parseStrategyText(text, 'strategy.yaml', ['hc']);
    assert.equal(parsed.document, undefined);
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]!.path, 'destinations.hc.sampling.tail.rules.1.when');
    assert.match(parsed.problems[0]!.location ?? '', /^strategy\.yaml:8:/);
    const ok = parseStrategyText(text.split('\n').slice(0, 7).join('\n'), 'strategy.yaml', ['hc']);
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.document!.destinations.hc!.tail!.decisionWaitMs, 5000);
  });
});
