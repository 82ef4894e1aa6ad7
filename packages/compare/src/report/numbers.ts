/** How the tables and the report write their figures: the same text on the terminal and in HTML. */

/** Milliseconds with three significant digits at most, never in exponent form. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? '∞' : '-';
  if (ms === 0) return '0';
  const abs = Math.abs(ms);
  if (abs >= 100) return ms.toFixed(0);
  if (abs >= 10) return ms.toFixed(1);
  if (abs >= 0.01) return ms.toFixed(2);
  return ms.toFixed(4);
}

/** `35.2×`; `∞×` when the uncontended figure was 0. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '∞×';
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

export function formatCount(count: number): string {
  return Math.round(count).toString();
}

/** Requests per second. */
export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}
