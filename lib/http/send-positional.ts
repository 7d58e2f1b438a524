import type { ServerResponse } from 'node:http';
import type { ByteRange, ReadAt } from '../storage/types';
import { whenResponseDone } from './response-done';
import type { StreamOutcome } from './send-exactly';
import type { TransferBudget } from './transfer-budget';

/**
 * Sends `range` through positional reads: read a chunk, write it, and read
 * the next into the same buffer once the socket has taken it. One buffer per
 * transfer — no readable and writable stream buffers holding copies — sized
 * by the shared budget, so slow clients cost a bounded amount of memory and a
 * stalled client stops the reads. Exactly the range's length is sent; a store
 * that ends early or fails resets the connection rather than ending short.
 * `done` runs once the response is over and no read is in flight, so the
 * caller may then close the store's descriptor.
 */
export function sendPositional(readAt: ReadAt, res: ServerResponse, range: ByteRange, budget: TransferBudget, done: (outcome: StreamOutcome) => void): void {
  const length = range.end - range.start + 1;
  const leave = budget.enter();
  let sent = 0;
  let buffer = budget.take(length);
  let reading = false;
  let over = false;
  let settled = false;

  const settle = () => {
    if (settled || reading) return;
    settled = true;
    // Every write has completed ('finish'), or the socket is gone and takes no more bytes.
    budget.give(buffer);
    leave();
    done({ bytes: sent, aborted: sent < length || !res.writableFinished });
  };
  // However the response ends — even before its first byte, or queued behind a pipelined one.
  whenResponseDone(res, () => {
    over = true;
    settle();
  });

  const next = () => {
    if (over) return;
    const remaining = length - sent;
    // Follow the budget as transfers come and go: trade for a smaller buffer when the share fell well below this one.
    if (buffer.length > 2 * budget.chunkSize()) {
      budget.give(buffer);
      buffer = budget.take(remaining);
    }
    reading = true;
    readAt(buffer, 0, Math.min(remaining, buffer.length), range.start + sent, (error, bytesRead) => {
      reading = false;
      if (over) return settle();
      if (error !== null || bytesRead === 0) {
        res.destroy();
        return;
      }
      sent += bytesRead;
      const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      if (sent === length) {
        res.end(chunk);
        return;
      }
      // The callback runs once the socket has taken the chunk: then the buffer is free again.
      res.write(chunk, (writeError) => {
        if (writeError) res.destroy();
        else next();
      });
    });
  };
  next();
}
