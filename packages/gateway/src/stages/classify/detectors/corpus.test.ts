import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_DETECTORS, scan, scanWith } from './index.js';
import { CORPUS } from './testdata/corpus.js';
import { DETECTOR_IDS, type DetectorId } from './types.js';

interface Score { tp: number; fp: number; fn: number }

/** Per detector: true positives, false positives (fired on a value not labelled with it), misses. */
export function scoreCorpus(): Map<DetectorId, Score> {
  const scores = new Map<DetectorId, Score>(DETECTOR_IDS.map((id) => [id, { tp: 0, fp: 0, fn: 0 }]));
  for (const { value, expect } of CORPUS) {
    const fired = new Set(scan(value).map((f) => f.detector));
    for (const id of DETECTOR_IDS) {
      const score = scores.get(id)!;
      const want = expect.includes(id);
      if (want && fired.has(id)) score.tp++;
      else if (want) score.fn++;
      else if (fired.has(id)) score.fp++;
    }
  }
  return scores;
}

describe('the labelled detector corpus', () => {
  it('has at least 300 values, positives for every detector and look-alike negatives', () => {
    assert.ok(CORPUS.length >= 300, `${CORPUS.length} values`);
    const negatives = CORPUS.filter((e) => e.expect.length === 0).length;
    assert.ok(negatives >= 150, `${negatives} negatives`);
    for (const id of DETECTOR_IDS) assert.ok(CORPUS.filter((e) => e.expect.includes(id)).length >= 5, `${id} has fewer than 5 positives`);
  });

  it('the prefilter never hides a finding: scan equals running every detector, on every value', () => {
    for (const { value } of CORPUS) assert.deepEqual(scan(value), scanWith(value, ALL_DETECTORS), value);
  });

  it('every detector has precision and recall of at least 0.95', () => {
    const scores = scoreCorpus();
    const rows = [...scores].map(([id, { tp, fp, fn }]) => {
      const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
      const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
      return { id, tp, fp, fn, precision, recall };
    });
    console.log(`# ${CORPUS.length} values`);
    console.log('# | detector | TP | FP | FN | precision | recall |');
    for (const r of rows) console.log(`# | ${r.id} | ${r.tp} | ${r.fp} | ${r.fn} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} |`);
    for (const r of rows) {
      assert.ok(r.precision >= 0.95, `${r.id} precision ${r.precision.toFixed(3)} (${r.fp} false positives)`);
      assert.ok(r.recall >= 0.95, `${r.id} recall ${r.recall.toFixed(3)} (${r.fn} missed)`);
    }
  });
});
