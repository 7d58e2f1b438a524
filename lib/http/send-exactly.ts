import type { ServerResponse } from 'node:http';
import { whenResponseDone } from './response-done';

/** How a streamed body ended: `aborted` when fewer bytes went out than were announced. */
export interface StreamOutcome {
  bytes: number;
  aborted: boolean;
}

type Source = NodeJS.ReadableStream & { destroy?: (error?: Error) => void };

/**
 * Streams exactly `length` bytes of `source` into `res`, with back-pressure.
 * A source that has more is cut at `length` (a longer body than the
 * Content-Length would be read on a keep-alive connection as the next
 * response: response desync, issue 7 #3); one that has fewer, or fails,
 * destroys the connection so the client sees an incomplete response, never a
 * clean short one. The source is destroyed whenever the response ends early.
 */
export function sendExactly(source: Source, res: ServerResponse, length: number, done: (outcome: StreamOutcome) => void): void {
  let sent = 0;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    source.removeListener('data', onData);
    res.removeListener('drain', onDrain);
    done({ bytes: sent, aborted: sent < length || !res.writableFinished });
  };
  const stop = () => {
    source.removeListener('data', onData);
    source.destroy?.();
  };
  function onData(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = length - sent;
    if (buffer.length > room) {
      sent = length;
      res.end(buffer.subarray(0, room));
      stop();
      return;
    }
    if (buffer.length === room) {
      sent = length;
      res.end(buffer);
      // Exactly what was announced: let the source reach its own end (an S3
      // body that ends keeps its connection in the pool), unless it has more.
      source.removeListener('data', onData);
      source.on('data', stop);
      source.resume();
      return;
    }
    sent += buffer.length;
    if (!res.write(buffer)) source.pause();
  }
  function onDrain(): void {
    source.resume();
  }
  source.on('data', onData);
  res.on('drain', onDrain);
  // Ended, failed, or destroyed without a word: short of the announced length, the connection goes.
  const cutShort = () => {
    if (sent < length) res.destroy();
  };
  source.once('end', cutShort);
  source.once('close', cutShort);
  source.once('error', () => res.destroy());
  // Not a 'close' listener: a client that left while the storage was being
  // opened has closed the response already, and its stream must still be destroyed.
  whenResponseDone(res, () => {
    if (sent < length || !res.writableFinished) stop();
    settle();
  });
  if (length === 0) {
    res.end();
    stop();
  }
}
