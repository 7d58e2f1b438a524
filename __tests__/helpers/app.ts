import express from 'express';
import type { Express, Router } from 'express';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Response as SuperAgentResponse } from 'superagent';
import { createSigner } from '../../lib';

/** The Express major under test (the express4 Jest project maps `express` to v4). */
export const expressMajor = Number((require('express/package.json') as { version: string }).version.split('.')[0]);

/** A fresh Express app with `routers` mounted at `mount`. */
export function appWith(mount: string, ...routers: Router[]): Express {
  const app = express();
  app.use(mount, ...routers);
  return app;
}

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const signer = createSigner({ secret: SECRET });

/** A temp directory with the given files; removed by the returned cleanup. */
export function tempFiles(files: Record<string, string | Buffer>): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'esd-test-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Deterministic bytes 0..255 repeated, so any slice can be checked exactly. */
export function pattern(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = i % 251;
  return buffer;
}

/** supertest's parser for raw bodies. */
export function binary(res: SuperAgentResponse, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}
