import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { addTraceFields, unitOfWork } from './index.js';
import { runtime } from './runtime.js';
import { expectSpan, setupTestTelemetry } from './testing/index.js';
import { exampleRegistry } from './test-support.js';

const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), traceFields: { maxTraces: 3 } });
const tracer = trace.getTracer('test');
after(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

describe('addTraceFields', () => {
  it('reaches spans that already ended, spans still open and spans started later', () => {
    unitOfWork('request', () => {
      tracer.startSpan('validated early').end();
      const open = tracer.startSpan('still open');
      addTraceFields({ 'acme.tenant.id': 't-0042', 'acme.tenant.plan': 'pro' });
      assert.equal(open.isRecording(), true);
      open.end();
      tracer.startSpan('started later').end();
    });
    for (const name of ['validated early', 'still open', 'started later', 'request']) {
      expectSpan(name).toHaveFields({ 'acme.tenant.id': 't-0042', 'acme.tenant.plan': 'pro' });
    }
  });

  it('holds spans that ended early until the local root ends, then exports them with the fields', () => {
    let exportedBeforeRootEnded = -1;
    unitOfWork('request', () => {
      tracer.startSpan('early').end();
      exportedBeforeRootEnded = telemetry.spans().length;
      addTraceFields({ 'acme.tenant.id': 't-7' });
    });
    assert.equal(exportedBeforeRootEnded, 0);
    expectSpan('early').toHaveFields({ 'acme.tenant.id': 't-7' });
  });

  it('does not leak fields into another trace', () => {
    unitOfWork('first', () => addTraceFields({ 'acme.tenant.id': 't-1' }));
    unitOfWork('second', () => tracer.startSpan('child of second').end());
    expectSpan('child of second').toNotHaveFields(['acme.tenant.id']);
    expectSpan('second').toNotHaveFields(['acme.tenant.id']);
  });

  it('leaves a trace that never gets a child or a field out of the table', () => {
    unitOfWork('lone root', () => assert.equal(runtime().table.size, 0));
    expectSpan('lone root');
  });

  it('clears the trace from the table when the local root ends', () => {
    unitOfWork('request', () => {
      addTraceFields({ 'acme.tenant.id': 't-1' });
      assert.equal(runtime().table.size, 1);
    });
    assert.equal(runtime().table.size, 0);
  });

  it("keeps the table bounded when roots never end, releasing the oldest trace's held spans", () => {
    const oldest = tracer.startSpan('oldest root');
    tracer.startSpan('held child', {}, trace.setSpan(context.active(), oldest)).end();
    assert.equal(telemetry.spans().length, 0);
    const others = [1, 2, 3].map((i) => tracer.startSpan(`root ${i}`));
    const children = others.map((root, i) => tracer.startSpan(`child ${i}`, {}, trace.setSpan(context.active(), root)));
    assert.equal(runtime().table.size, 3);
    assert.deepEqual(telemetry.spans().map((s) => s.name), ['held child']);
    for (const span of [...children, oldest, ...others]) span.end();
    assert.equal(runtime().table.size, 0);
  });

  it('keeps a trace that enters the process twice until both local roots end', () => {
    const remote = trace.setSpanContext(context.active(), { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1, isRemote: true });
    const a = tracer.startSpan('entry a', {}, remote);
    const childOfA = tracer.startSpan('child of a', {}, trace.setSpan(remote, a));
    const b = tracer.startSpan('entry b', {}, remote);
    context.with(trace.setSpan(remote, b), () => addTraceFields({ 'acme.tenant.id': 't-2' }));
    childOfA.end();
    a.end();
    assert.equal(runtime().table.size, 1);
    b.end();
    assert.equal(runtime().table.size, 0);
    for (const name of ['entry a', 'child of a', 'entry b']) expectSpan(name).toHaveFields({ 'acme.tenant.id': 't-2' });
  });

  it('gives spans started after the local root ended (fire and forget) the fields the trace ended with', async () => {
    let late: Promise<void> | undefined;
    unitOfWork('request', () => {
      addTraceFields({ 'acme.tenant.id': 't-9' });
      late = new Promise<void>((resolve) => setTimeout(() => {
        unitOfWork('fire and forget', () => {
          addTraceFields({ 'acme.tenant.plan': 'pro' });
          tracer.startSpan('after the late field').end();
        });
        tracer.startSpan('later still').end();
        resolve();
      }, 5));
    });
    await late;
    assert.equal(runtime().table.size, 0);
    expectSpan('fire and forget').toHaveFields({ 'acme.tenant.id': 't-9', 'acme.tenant.plan': 'pro' });
    expectSpan('after the late field').toHaveFields({ 'acme.tenant.id': 't-9', 'acme.tenant.plan': 'pro' });
    expectSpan('later still').toHaveFields({ 'acme.tenant.id': 't-9', 'acme.tenant.plan': 'pro' });
    // The request itself went out when it ended, with what it had then.
    expectSpan('request').toNotHaveFields(['acme.tenant.plan']);
  });

  it('remembers ended traces boundedly, and never for traces without fields', () => {
    let withoutFields = context.active();
    const remembered = runtime().table.rememberedSize;
    unitOfWork('no fields', () => {
      withoutFields = context.active();
      tracer.startSpan('child, so the trace has an entry').end();
    });
    assert.equal(runtime().table.rememberedSize, remembered);
    tracer.startSpan('late in no fields', {}, withoutFields).end();
    expectSpan('late in no fields').toNotHaveFields(['acme.tenant.id']);
    // maxTraces is 3 here: the first of four traces is forgotten once the fourth ends.
    const roots = ['t-a', 't-b', 't-c', 't-d'];
    const contexts = roots.map((root) => {
      let ctx = context.active();
      unitOfWork(root, () => {
        ctx = context.active();
        addTraceFields({ 'acme.tenant.id': root });
      });
      return ctx;
    });
    roots.forEach((root, i) => tracer.startSpan(`late in ${root}`, {}, contexts[i]).end());
    expectSpan('late in t-a').toNotHaveFields(['acme.tenant.id']);
    for (const root of roots.slice(1)) expectSpan(`late in ${root}`).toHaveFields({ 'acme.tenant.id': root });
    assert.equal(runtime().table.rememberedSize, 3);
  });
});
