import type { ArchiveStore } from '../archives/archive-store';
import type { Settings } from '../options/settings';
import { MAX_GRACE_SECONDS } from './serve-signed-download';

/** The store both archive routers share: `createDownloads` always binds one (its own memory store by default). */
export function archiveStoreOf(where: string, settings: Settings): ArchiveStore {
  if (settings.archiveStore === undefined) {
    throw new TypeError(`${where}: make archive routers with createDownloads (downloads.${where}()), which gives both the same archiveStore.`);
  }
  return settings.archiveStore;
}

/** A manifest is kept as long as any request could still redeem its link: expiry, the longest grace period, clock skew. */
export function manifestExpiry(settings: Settings, expires: number): Date {
  return new Date((expires + MAX_GRACE_SECONDS + settings.signer!.clockTolerance + 1) * 1000);
}
