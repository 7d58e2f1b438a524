import type { Request, Response } from 'express';
import { whenResponseDone } from './response-done';

/** A response written piece by piece, each piece waited for until the socket has taken it. */
export interface TakenWrites {
  /** The client is gone or the response is over: nothing more should be read or sent. */
  readonly over: boolean;
  /**
   * Writes `chunk` and resolves once the socket has taken it (true), or once
   * the response is over without that (false): a client that does not read
   * keeps the caller waiting, not piling up more bytes.
   */
  write(chunk: Buffer): Promise<boolean>;
  /** Resolves when the response has finished or can never finish. */
  readonly done: Promise<void>;
}

/**
 * Watches `res` for its end however it comes (finished, failed, client gone,
 * even before the first byte or queued behind a pipelined response): a write
 * whose socket went away never calls back, so it is woken from here.
 */
export function takenWrites(req: Request, res: Response): TakenWrites {
  let ended = false;
  let wake: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    whenResponseDone(res, () => {
      ended = true;
      wake?.();
      resolve();
    });
  });
  return {
    get over() {
      return ended || res.destroyed || req.socket.destroyed;
    },
    write(chunk) {
      return new Promise<boolean>((resolve) => {
        wake = () => resolve(false);
        res.write(chunk, (error) => {
          wake = undefined;
          resolve(error === null || error === undefined);
        });
      });
    },
    done,
  };
}
