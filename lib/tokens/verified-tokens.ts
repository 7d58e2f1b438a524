import type { DownloadClaims } from './claims';

interface Entry {
  /** The signer that verified the token: only it may take the entry's word. */
  owner: object;
  claims: DownloadClaims;
}

/**
 * Tokens whose signature verified, by their exact text, least recently used
 * first out. Failures are never remembered: a forger pays the full check
 * every time and cannot fill the cache. One cache may serve many signers
 * (every tenant's): an entry answers only the signer that stored it.
 */
export class VerifiedTokens {
  // Made on the first token: a signer that never verifies holds no map.
  #entries: Map<string, Entry> | undefined;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(owner: object, token: string): DownloadClaims | undefined {
    const entry = this.#entries?.get(token);
    if (entry === undefined || entry.owner !== owner) return undefined;
    this.#entries!.delete(token);
    this.#entries!.set(token, entry);
    return entry.claims;
  }

  set(owner: object, token: string, claims: DownloadClaims): void {
    if (this.#max === 0) return;
    const entries = (this.#entries ??= new Map());
    entries.set(token, { owner, claims });
    if (entries.size > this.#max) entries.delete(entries.keys().next().value!);
  }
}
