// A small suite with each outcome `node --test --test-reporter=junit` can write (it cannot retry).
import assert from 'node:assert';
import { describe, test } from 'node:test';

test('passes at the top level', () => {
  assert.strictEqual(1 + 1, 2);
});

describe('sample', () => {
  test('passes', () => {
    assert.strictEqual(1 + 1, 2);
  });

  test('fails', () => {
    assert.strictEqual('red', 'green');
  });

  test('throws in its body', () => {
    throw new TypeError('no such thing');
  });

  test('is skipped', { skip: 'not on this platform' }, () => {});

  test('is still to do', { todo: 'written later' }, () => {
    throw new Error('not written yet');
  });
});
