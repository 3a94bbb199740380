import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTailConfig, TAIL_DEFAULTS, tailProblems } from './config.js';

describe('tail: config', () => {
  it('reads durations, sizes and rules in order, with defaults', () => {
    const { config, problems } = parseTailConfig({
      decision_wait: '5s', buffer_max_bytes: '64MiB',
      rules: [{ name: 'errors', when: 'error', keep: true }, { name: 'slow', when: 'x', sample_rate: 5 }, { name: 'rest', drop: true }],
    }, 'destinations.hc.sampling.tail');
    assert.deepEqual(problems, []);
    assert.equal(config!.decisionWaitMs, 5000);
    assert.equal(config!.bufferMaxBytes, 64 * 1024 * 1024);
    assert.equal(config!.maxSpansPerTrace, TAIL_DEFAULTS.maxSpansPerTrace);
    assert.deepEqual(config!.rules.map((r) => [r.name, r.action, r.path]), [
      ['errors', { kind: 'keep' }, 'destinations.hc.sampling.tail.rules[0]'],
      ['slow', { kind: 'sample', rate: 5 }, 'destinations.hc.sampling.tail.rules[1]'],
      ['rest', { kind: 'drop' }, 'destinations.hc.sampling.tail.rules[2]'],
    ]);
  });

  it('names the path of every problem', () => {
    const { config, problems } = parseTailConfig({
      decision_wait: 'soon', rules: [{ name: 'a', keep: true, drop: true }, { name: 'a', sample_rate: 0 }, { when: 'x', keep: true }], bogus: 1, max_spans_per_trace: 0,
    }, 't');
    assert.equal(config, undefined);
    assert.deepEqual(problems.map((p) => p.path).sort(), ['t.bogus', 't.decision_wait', 't.max_spans_per_trace', 't.rules[0]', 't.rules[1].name', 't.rules[1].sample_rate', 't.rules[2].name'].sort());
    assert.match(problems.find((p) => p.path === 't.rules[0]')!.message, /exactly one of keep: true, drop: true or sample_rate/);
  });

  it('refuses a decision_wait past 10 minutes and a per-trace limit past the buffer', () => {
    const { problems } = parseTailConfig({ decision_wait: '11m', max_bytes_per_trace: '2MiB', buffer_max_bytes: '1MiB' }, 't');
    assert.deepEqual(problems.map((p) => p.path), ['t.decision_wait', 't.max_bytes_per_trace']);
    assert.equal(parseTailConfig([], 't').problems[0]!.path, 't');
  });

  it('gives problems relative to the section for the sampling stage\'s hook, rule expressions included', () => {
    assert.deepEqual(tailProblems({ decision_wait: 'x', rules: [{ name: 'a', when: 'trace.nope(', keep: true }] }).map((p) => p.path), [['decision_wait']]);
    assert.deepEqual(tailProblems({ rules: [{ name: 'a', when: 'trace.nope(', keep: true }] }).map((p) => p.path), [['rules', 0, 'when']]);
    assert.deepEqual(tailProblems({ rules: [{ name: 'a', when: 'trace.span_count > 3', keep: true }] }), []);
  });
});
