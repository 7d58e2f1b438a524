import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream';

/**
 * Calls `done` once when `res` has finished or can never finish. `finished`
 * covers a response that completed, failed or closed — even one that closed
 * before the body started. A pipelined request queued behind another is not
 * covered by it: when the client goes away, Node never closes the queued
 * response, so the connection itself is watched too (each such request once
 * leaked a file descriptor).
 */
export function whenResponseDone(res: ServerResponse, done: () => void): void {
  const socket = res.req?.socket;
  let called = false;
  const finish = () => {
    if (called) return;
    called = true;
    socket?.removeListener('close', finish);
    done();
  };
  finished(res, finish);
  if (socket === undefined || socket === null) return;
  if (socket.destroyed) process.nextTick(finish);
  else socket.once('close', finish);
}
