/**
 * Memory for streaming bodies, shared by every transfer in flight. Each
 * transfer holds one buffer; its size is the budget divided by the transfers
 * in flight, between a floor and a ceiling. One download reads 1 MiB at a
 * time (the fastest read size measured), two hundred read small chunks, and
 * the total stays near the budget however many clients there are (issue 8:
 * fast single streams and flat memory under many).
 */
export class TransferBudget {
  readonly bytes: number;
  #active = 0;

  /** Ceiling of one transfer's buffer. */
  static readonly MAX_CHUNK = 1024 * 1024;
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

  /** The buffer size a transfer should use now. */
  chunkSize(): number {
    const share = Math.floor(this.bytes / Math.max(1, this.#active));
    return Math.max(TransferBudget.MIN_CHUNK, Math.min(TransferBudget.MAX_CHUNK, share));
  }

  /** Transfers in flight. */
  get active(): number {
    return this.#active;
  }
}

/** The default budget, shared by every router of the process that does not set its own. */
export const DEFAULT_TRANSFER_BUDGET = 16 * 1024 * 1024;
export const sharedTransferBudget = new TransferBudget(DEFAULT_TRANSFER_BUDGET);
