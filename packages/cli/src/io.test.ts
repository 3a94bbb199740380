import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConventionsError } from '@cairn/conventions';
import { EXIT, reportError } from './io.js';

function report(error: unknown): { code: number; err: string } {
  let err = '';
  const code = reportError(error, { out: { write: () => true }, err: { write: (text: string) => (err += text) } });
  return { code, err };
}

describe('reportError', () => {
  it('prints a coded error with its file:line:col and hint', () => {
    const error = new ConventionsError('CAIRN_TEST', 'it went wrong', { location: { file: 'a/b.yaml', line: 3, col: 7 }, hint: 'fix it' });
    assert.deepEqual(report(error), { code: EXIT.unusable, err: 'cairn: a/b.yaml:3:7: CAIRN_TEST: it went wrong\n    hint: fix it\n' });
  });

  it('prints a coded error without a location or hint as code and message only', () => {
    assert.deepEqual(report(new ConventionsError('CAIRN_TEST', 'it went wrong')), { code: EXIT.unusable, err: 'cairn: CAIRN_TEST: it went wrong\n' });
  });
});
