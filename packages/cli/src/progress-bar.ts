/** One line of progress: bar, percentage, counts, rate and time left. */
export function renderProgress(label: string, done: number, total: number, elapsedMs: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * width);
  const ratePerS = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const etaS = ratePerS > 0 ? Math.ceil((total - done) / ratePerS) : undefined;
  const count = (n: number) => n.toLocaleString('en-US');
  return (
    `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ` +
    `${count(done)}/${count(total)} ${count(Math.round(ratePerS))}/s ETA ${etaS === undefined ? '?' : `${etaS}s`}`
  );
}

/** Redraws the line on a terminal at most 10 times a second; elsewhere (CI, pipes) prints only the last state. */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
  const startedMs = Date.now();
  let drawnMs = 0;
  let done = 0;
  const draw = () => stream.write(`\r${renderProgress(label, done, total, Date.now() - startedMs)}`);
  return {
    update(doneNow: number, totalNow = total) {
      done = doneNow;
      total = totalNow;
      if (stream.isTTY && Date.now() - drawnMs >= 100) {
        drawnMs = Date.now();
        draw();
      }
    },
    finish() {
      draw();
      stream.write('\n');
    },
  };
}
