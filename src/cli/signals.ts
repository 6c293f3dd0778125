/**
 * Runs `fn` with one AbortSignal that Ctrl-C (SIGINT) and SIGTERM abort, so every stage stops,
 * child processes are killed and temporary files removed before the process exits.
 */
export async function withSignals<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    const e = new Error(`interrupted by ${sig}`);
    e.name = 'AbortError';
    ac.abort(e);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
