import type { ServerResponse } from 'node:http';
import type { ByteRange, ReadAt } from '../storage/types';
import type { StreamOutcome } from './send-exactly';
import type { TransferBudget } from './transfer-budget';

/**
 * Sends `range` through positional reads: read a chunk, write it, and read
 * the next into the same buffer once the socket has taken it. One buffer per
 * transfer — no readable and writable stream buffers holding copies — sized
 * by the shared budget, so slow clients cost a bounded amount of memory and a
 * stalled client stops the reads. Exactly the range's length is sent; a store
 * that ends early or fails resets the connection rather than ending short.
 */
export function sendPositional(readAt: ReadAt, res: ServerResponse, range: ByteRange, budget: TransferBudget, done: (outcome: StreamOutcome) => void): void {
  const length = range.end - range.start + 1;
  const leave = budget.enter();
  let sent = 0;
  let buffer = Buffer.allocUnsafeSlow(Math.min(length, budget.chunkSize()));
  let finished = false;

  const finish = () => {
    if (finished) return;
    finished = true;
    leave();
    done({ bytes: sent, aborted: sent < length || !res.writableFinished });
  };
  res.once('close', finish);

  const fail = () => {
    res.destroy();
  };

  const next = () => {
    if (res.destroyed) return;
    const remaining = length - sent;
    // Follow the budget as transfers come and go: shrink when the share fell well below this buffer.
    const share = budget.chunkSize();
    if (buffer.length > 2 * share && buffer.length > remaining) buffer = Buffer.allocUnsafeSlow(Math.min(remaining, share));
    else if (buffer.length > 2 * share) buffer = Buffer.allocUnsafeSlow(share);
    const want = Math.min(remaining, buffer.length);
    readAt(buffer, 0, want, range.start + sent, (error, bytesRead) => {
      if (error !== null || bytesRead === 0) return fail();
      sent += bytesRead;
      const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      if (sent === length) {
        res.end(chunk);
        return;
      }
      // The callback runs once the socket has taken the chunk: then the buffer is free again.
      res.write(chunk, (writeError) => {
        if (writeError) return fail();
        next();
      });
    });
  };
  next();
}
