// JSON has no NaN or Infinity, so producers spell them as strings; validate rejects them as
// not_finite, which it can only do if ingest passes them through.
const nonFiniteNumbers = new Map([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

// Plain decimals only: Number() would also take '', ' ', '0x1f' and '1_000'.
const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a "NaN", "Infinity" or "-Infinity" string stands for. */
export function nonFiniteOfText(text: string): number | undefined {
  return nonFiniteNumbers.get(text);
}

/** A decimal such as `-1.5e3`, or one of the non-finite spellings. */
export function numberOfText(text: string): number | undefined {
  return decimal.test(text) ? Number(text) : nonFiniteNumbers.get(text);
}
