import type { ServerResponse } from 'node:http';
import type { ByteRange, ReadAt } from '../storage/types';
import { whenResponseDone } from './response-done';
import type { StreamOutcome } from './send-exactly';
import type { TransferBudget } from './transfer-budget';

/**
 * Sends `range` through positional reads into at most two buffers: while the
 * socket takes one chunk, the next is read into the other, so the socket never
 * waits for the disk and the client never waits for an empty socket (one
 * buffer read-then-write left a gap after every chunk, and the client's read
 * loop paid for each gap). No readable and writable stream buffers hold
 * copies; buffers are sized by the shared budget, so slow clients cost a
 * bounded amount of memory and a stalled client stops the reads. Exactly the
 * range's length is sent; a store that ends early or fails resets the
 * connection rather than ending short. `done` runs once the response is over
 * and no read is in flight, so the caller may then close the store's
 * descriptor.
 */
export function sendPositional(readAt: ReadAt, res: ServerResponse, range: ByteRange, budget: TransferBudget, done: (outcome: StreamOutcome) => void): void {
  const length = range.end - range.start + 1;
  const leave = budget.enter();
  /** Every buffer this transfer holds: given back only once the response is over (a write may still refer to one). */
  const held: Buffer[] = [budget.take(length)];
  const free: Buffer[] = [held[0]!];
  /** A chunk read and not yet handed to the socket, and the buffer it fills. */
  let ready: { chunk: Buffer; buffer: Buffer } | undefined;
  let queued = 0;
  let sent = 0;
  let reading = false;
  let writing = false;
  let over = false;
  let settled = false;

  const settle = () => {
    if (settled || reading) return;
    settled = true;
    // Every write has completed ('finish'), or the socket is gone and takes no more bytes.
    for (const buffer of held) budget.give(buffer);
    leave();
    done({ bytes: sent, aborted: sent < length || !res.writableFinished });
  };
  // However the response ends — even before its first byte, or queued behind a pipelined one.
  whenResponseDone(res, () => {
    over = true;
    settle();
  });

  /** A buffer to read into: a free one, or a second one while the first is with the socket. */
  const bufferToFill = (): Buffer | undefined => {
    const remaining = length - queued;
    let buffer = free.pop();
    // Follow the budget as transfers come and go: trade for a smaller buffer when the share fell well below this one.
    if (buffer !== undefined && buffer.length > 2 * budget.chunkSize()) {
      held.splice(held.indexOf(buffer), 1);
      budget.give(buffer);
      buffer = undefined;
    }
    if (buffer === undefined && held.length < 2) {
      buffer = budget.take(remaining);
      held.push(buffer);
    }
    return buffer;
  };

  const pump = () => {
    if (over) return;
    if (!writing && ready !== undefined) {
      const { chunk, buffer } = ready;
      ready = undefined;
      sent += chunk.length;
      if (sent === length) {
        res.end(chunk);
        return;
      }
      writing = true;
      // The callback runs once the socket has taken the chunk: then its buffer is free again.
      res.write(chunk, (writeError) => {
        writing = false;
        if (writeError) return res.destroy();
        free.push(buffer);
        pump();
      });
    }
    if (!reading && ready === undefined && queued < length) {
      const buffer = bufferToFill();
      if (buffer === undefined) return;
      reading = true;
      const position = queued;
      readAt(buffer, 0, Math.min(length - position, buffer.length), range.start + position, (error, bytesRead) => {
        reading = false;
        if (over) return settle();
        if (error !== null || bytesRead === 0) {
          res.destroy();
          return;
        }
        queued += bytesRead;
        ready = { chunk: bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), buffer };
        pump();
      });
    }
  };

  pump();
}
