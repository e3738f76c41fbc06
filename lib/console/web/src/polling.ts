import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** How often the live pages ask the API again, ms. */
export const POLL_INTERVAL_MS = 5_000;

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** When the latest answer came, epoch ms. */
  readonly updatedAt: number | undefined;
  /** Asks again now (after a change the user made). */
  refresh(): void;
}

/**
 * Calls `load` now, then every `intervalMs` (5 s by default; 0 for once) while the page is
 * visible, and at once when it becomes visible again. A failed call keeps the last data and
 * reports the error; the next success clears it. `deps` restart the cycle.
 */
export function usePolling<T>(load: () => Promise<T>, deps: readonly unknown[], intervalMs = POLL_INTERVAL_MS): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; updatedAt?: number }>({});
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = generation.current;
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ data, updatedAt: Date.now() });
      },
      (error: unknown) => {
        if (mine === generation.current) setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)) }));
      },
    );
  }, []);

  useEffect(() => {
    generation.current += 1;
    setState({});
    run();
    if (intervalMs <= 0) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run();
    }, intervalMs);
    const onVisible = () => {
      if (document.visibilityState === 'visible') run();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      generation.current += 1;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [...deps, intervalMs]);

  return { data: state.data, error: state.error, updatedAt: state.updatedAt, refresh: run };
}
