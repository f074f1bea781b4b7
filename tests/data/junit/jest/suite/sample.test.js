// A small suite with each outcome jest-junit can write, retried twice by jest.retryTimes.
jest.retryTimes(2);

let attempts = 0;

describe('sample', () => {
  test('passes', () => {
    expect(1 + 1).toBe(2);
  });

  test('fails every attempt', () => {
    expect('red').toBe('green');
  });

  test('throws in its body', () => {
    throw new TypeError('no such thing');
  });

  test.skip('is skipped', () => {});

  test('passes on the second attempt', () => {
    attempts += 1;
    expect(attempts).toBeGreaterThan(1);
  });
});
