/**
 * Memory for streaming bodies, shared by every transfer in flight. Each
 * transfer holds up to two buffers (one being read while the other is
 * written); their size is the budget divided by the buffers of the transfers
 * in flight, between a floor and a ceiling. One download reads 256 KiB at a
 * time into each of its two buffers, two hundred read small chunks, and
 * the total stays near the budget however many clients there are (issue 8:
 * fast single streams and flat memory under many).
 */
export class TransferBudget {
  readonly bytes: number;
  #active = 0;
  /** Buffers returned by finished transfers, by size: reused instead of left to the garbage collector. */
  readonly #pool = new Map<number, Buffer[]>();
  #pooled = 0;
  /** Bytes of buffers handed out and not given back. */
  #lent = 0;

  /**
   * Ceiling of one buffer. 256 KiB, not the 1 MiB that read fastest with one
   * buffer: with two buffers the socket is never idle, and smaller writes keep
   * the kernel's send queue short, so the sending happens in this process's
   * write call rather than in the client's CPU as it acknowledges (measured
   * with 4 connections, issue 17).
   */
  static readonly MAX_CHUNK = 256 * 1024;
  /** Floor: below this, system calls per byte cost more than the memory saved. */
  static readonly MIN_CHUNK = 16 * 1024;

  constructor(bytes: number) {
    this.bytes = bytes;
  }

  /** Registers a transfer; call the result when it ends. */
  enter(): () => void {
    this.#active++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#active--;
    };
  }

  /** The buffer size a transfer should use now (it may hold two). */
  chunkSize(): number {
    const share = Math.floor(this.bytes / (2 * Math.max(1, this.#active)));
    return Math.max(TransferBudget.MIN_CHUNK, Math.min(TransferBudget.MAX_CHUNK, share));
  }

  /** Transfers in flight. */
  get active(): number {
    return this.#active;
  }

  /**
   * A buffer for a transfer of `remaining` bytes at today's share: a power of
   * two between the floor and the ceiling, from the pool when one is free.
   * Reusing buffers keeps memory flat: freshly allocated 1 MiB buffers are
   * freed only when the collector runs, and a busy server would carry tens of
   * MiB of them.
   */
  take(remaining: number): Buffer {
    const size = sizeClass(Math.min(remaining, this.chunkSize()));
    this.#lent += size;
    const buffer = this.#pool.get(size)?.pop();
    if (buffer !== undefined) {
      this.#pooled -= size;
      return buffer;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /**
   * Gives back a buffer no write refers to any more (the socket took its
   * bytes, or is gone). It is kept for reuse only while buffers lent and kept
   * stay within the budget.
   */
  give(buffer: Buffer): void {
    this.#lent -= buffer.length;
    if (this.#lent + this.#pooled + buffer.length > this.bytes) return;
    const free = this.#pool.get(buffer.length);
    if (free === undefined) this.#pool.set(buffer.length, [buffer]);
    else free.push(buffer);
    this.#pooled += buffer.length;
  }
}

/** The largest power of two from the floor up to `bytes` (never above the ceiling): buffers stay within their share. */
function sizeClass(bytes: number): number {
  let size = TransferBudget.MIN_CHUNK;
  while (size * 2 <= bytes && size < TransferBudget.MAX_CHUNK) size *= 2;
  return size;
}

/** The default budget, shared by every router of the process that does not set its own. */
export const DEFAULT_TRANSFER_BUDGET = 8 * 1024 * 1024;
export const sharedTransferBudget = new TransferBudget(DEFAULT_TRANSFER_BUDGET);
