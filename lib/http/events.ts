import type { DownloadEvent } from '../options/types';

/** Calls the host's `onEvent`; an audit hook must never break a download, so its failures are swallowed. */
export function emitEvent(onEvent: ((event: DownloadEvent) => void) | undefined, event: DownloadEvent): void {
  if (onEvent === undefined) return;
  try {
    const result: unknown = onEvent(event);
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // Deliberately ignored: see above.
  }
}
