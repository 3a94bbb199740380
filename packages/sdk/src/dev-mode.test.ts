import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addFields, addTraceFields, addUnchecked, unitOfWork } from './index.js';
import { setupTestTelemetry } from './testing/index.js';
import { exampleRegistry } from './test-support.js';

describe('dev mode', () => {
  it('warns once per key and problem, suggesting the canonical name', async () => {
    const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), mode: 'development' });
    try {
      for (let i = 0; i < 3; i++) {
        unitOfWork('work', () => addFields({ userId: 'u-1', 'acme.cart.value': 3, 'acme.cart.totl': 1, 'acme.cart.item_count': 'three' } as never));
      }
      const seen = telemetry.warnings.map((w) => [w.code, w.key, w.suggestion]);
      assert.deepEqual(seen, [
        ['CAIRN_ALIAS_FIELD', 'userId', 'user.id'],
        ['CAIRN_DEPRECATED_FIELD', 'acme.cart.value', 'acme.cart.total'],
        ['CAIRN_UNKNOWN_FIELD', 'acme.cart.totl', 'acme.cart.total'],
        ['CAIRN_FIELD_TYPE', 'acme.cart.item_count', undefined],
      ]);
      assert.match(telemetry.warnings[3]!.message, /expects int, got string "three"/);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('checks enum members and trace fields too', async () => {
    const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), mode: 'test' });
    try {
      unitOfWork('work', () => addTraceFields({ 'acme.tenant.plan': 'platinum' } as never));
      assert.deepEqual(telemetry.warnings.map((w) => w.code), ['CAIRN_FIELD_TYPE']);
      assert.match(telemetry.warnings[0]!.message, /one of "free", "pro", "enterprise"/);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('checks an instance of a template attribute against the template\'s type', async () => {
    const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), mode: 'development' });
    try {
      unitOfWork('work', () => addFields({ 'http.request.header.x-tenant': 'a' } as never));
      assert.deepEqual(telemetry.warnings.map((w) => w.code), ['CAIRN_FIELD_TYPE']);
      assert.equal(telemetry.warnings[0]!.message, '"http.request.header.x-tenant" expects string[], got string "a"');
    } finally {
      await telemetry.shutdown();
    }
  });

  it('says nothing about conforming fields or about addUnchecked', async () => {
    const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), mode: 'development' });
    try {
      unitOfWork('work', () => {
        addFields({ 'acme.cart.total': 3.5, 'acme.order.currency': 'EUR', 'http.request.header.x-tenant': ['a'] });
        addUnchecked({ whatever_key: 1, userId: 'u' });
      });
      assert.deepEqual(telemetry.warnings, []);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('is silent in production mode', async () => {
    const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), mode: 'production' });
    try {
      unitOfWork('work', () => addFields({ userId: 'u-1', nonsense: true }));
      assert.deepEqual(telemetry.warnings, []);
    } finally {
      await telemetry.shutdown();
    }
  });
});
