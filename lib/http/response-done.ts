import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { finished } from 'node:stream';

/** Per connection, the responses waiting on it: one 'close' listener however many requests are pipelined. */
const waiting = new WeakMap<Socket, Set<() => void>>();

function whenSocketCloses(socket: Socket, callback: () => void): () => void {
  let callbacks = waiting.get(socket);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    waiting.set(socket, set);
    socket.once('close', () => {
      waiting.delete(socket);
      for (const call of set) call();
    });
  }
  callbacks.add(callback);
  return () => {
    callbacks.delete(callback);
  };
}

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
  let forget: () => void = () => undefined;
  const finish = () => {
    if (called) return;
    called = true;
    forget();
    done();
  };
  finished(res, finish);
  if (socket === undefined || socket === null) return;
  if (socket.destroyed) process.nextTick(finish);
  else forget = whenSocketCloses(socket, finish);
}

/**
 * The client's connection is gone (reset or destroyed): nothing it asked for
 * can reach it, so nothing is counted for it. A client that only half-closed
 * after sending its request cannot be told from one that waits for the
 * answer (some do), so it is still answered, and counted.
 */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}
