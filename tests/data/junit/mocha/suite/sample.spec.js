// A small suite with each outcome mocha-junit-reporter can write, retried twice by this.retries.
const assert = require('node:assert');

let attempts = 0;

describe('sample', function () {
  this.retries(2);

  it('passes', function () {
    assert.strictEqual(1 + 1, 2);
  });

  it('fails every attempt', function () {
    assert.strictEqual('red', 'green');
  });

  it('throws in its body', function () {
    throw new TypeError('no such thing');
  });

  it.skip('is skipped', function () {});

  it('passes on the second attempt', function () {
    attempts += 1;
    assert.ok(attempts > 1, 'fails on the first attempt only');
  });
});
