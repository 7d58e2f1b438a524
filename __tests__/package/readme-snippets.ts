import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The README's ```ts blocks, each turned into a module a consumer compiles
// against the packed declarations. A block may lean on names the README
// defines elsewhere (`db`, `app`, `storage`, …): the prelude declares those the
// block neither imports nor defines, so a block that imports or defines a name
// wrongly still fails. ```typescript blocks are signature listings, not code.

interface Provided {
  name: string;
  line: string;
}

const imports: Provided[] = [
  { name: 'express', line: "import express from 'express';" },
  { name: 'helmet', line: "import helmet from 'helmet';" },
  ...['createDownloads', 'createSigner', 'fsStorage', 'DownloadError', 'isDownloadError', 'memoryUseStore'].map((name) => ({
    name, line: `import { ${name} } from 'express-signed-downloads';`,
  })),
  ...['FileRecord', 'StorageAdapter', 'Signer'].map((name) => ({
    name, line: `import type { ${name} } from 'express-signed-downloads';`,
  })),
];

const declarations: Provided[] = [
  { name: 'Doc', line: 'interface Doc extends FileRecord { ownerId: string }' },
  { name: 'User', line: 'interface User { id: string; orgId: string }' },
  { name: 'db', line: 'declare const db: { documents: { findById(id: string): Promise<Doc | null>; update(id: string, patch: Partial<Doc>): Promise<void>; findMany(ids: string[]): Promise<Doc[]> } };' },
  { name: 'id', line: 'declare const id: string;' },
  { name: 'sessions', line: 'declare const sessions: { userFor(req: express.Request): Promise<User | null> };' },
  { name: 'apiKeys', line: 'declare const apiKeys: { lookup(key: string | undefined): Promise<{ orgId: string } | null> };' },
  { name: 'quotas', line: 'declare const quotas: { exhausted(userId: string): Promise<boolean> };' },
  { name: 'requireLogin', line: 'declare const requireLogin: express.RequestHandler;' },
  {
    name: 'blobs',
    line: 'declare const blobs: { head(key: string): Promise<{ size: number; version: string; updatedAt: Date; type: string } | null>; '
      + "readStream(key: string, start: number, end: number): import('node:stream').Readable };",
  },
  { name: 'storage', line: 'declare const storage: StorageAdapter;' },
  { name: 'signer', line: 'declare const signer: Signer;' },
  { name: 'shared', line: 'declare const shared: { storage: StorageAdapter; signer: Signer; findFile(id: string): Promise<Doc | null>; authorize(): boolean };' },
  { name: 'downloads', line: 'declare const downloads: ReturnType<typeof createDownloads>;' },
  { name: 'app', line: 'declare const app: express.Express;' },
];

// What `req.user` is in the README's examples: set by the host's login middleware.
export const AUGMENTATION = `import 'express';
declare global {
  namespace Express {
    interface Request { user?: { id: string; orgId: string } }
  }
}
export {};
`;

export function readmeBlocks(readme: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // Fences inside list items are indented; the code is, by as much.
    const fence = /^( *)```ts$/.exec(lines[i]!);
    if (fence === null) continue;
    const indent = fence[1]!.length;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '```') i++;
    blocks.push({ line: start + 1, code: lines.slice(start, i + 1).map((line) => line.slice(indent)).join('\n') });
    i++;
  }
  return blocks;
}

const mentions = (text: string, name: string): boolean => new RegExp(`\\b${name}\\b`).test(text);

export function snippetModule(code: string): string {
  const lines = code.split('\n');
  const ownImports = lines.filter((line) => line.startsWith('import ')).join('\n');
  // The names bound, not the module specifiers ('express-signed-downloads' is not `express`).
  const bound = ownImports.replace(/\sfrom\s+'[^']*'/g, '');
  const defines = (name: string): boolean => new RegExp(`\\b(?:const|let|interface|type|function)\\s+${name}\\b`).test(code);
  const provides = (provided: Provided): boolean => !mentions(bound, provided.name) && !defines(provided.name);
  // Declarations refer to each other (db → Doc → FileRecord): take the closure.
  let text = code;
  let chosen: Provided[] = [];
  for (;;) {
    const next = declarations.filter((d) => provides(d) && mentions(text, d.name));
    if (next.length === chosen.length) break;
    chosen = next;
    text = [code, ...chosen.map((d) => d.line)].join('\n');
  }
  const imported = imports.filter((i) => provides(i) && mentions(text, i.name));
  return [ownImports, ...imported.map((i) => i.line), ...chosen.map((d) => d.line),
    lines.filter((line) => !line.startsWith('import ')).join('\n'), 'export {};', ''].join('\n');
}

/**
 * The ```ts blocks of the `@example` tags in the packed declarations (the
 * API reference's examples), as modules like the README's.
 */
export function docExampleModules(dir: string): { name: string; source: string }[] {
  const modules: { name: string; source: string }[] = [];
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.d.ts')).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    let count = 0;
    for (const match of text.matchAll(/@example\n((?:\s*\*.*\n)*?)\s*\*\/\n/g)) {
      const comment = match[1]!.split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n');
      for (const block of readmeBlocks(comment)) {
        modules.push({ name: `example-${file.replace(/[/.]/g, '-')}-${++count}.mts`, source: snippetModule(block.code) });
      }
    }
  }
  return modules;
}

export function readmeModules(path: string): { name: string; line: number; source: string }[] {
  return readmeBlocks(readFileSync(path, 'utf8')).map((block) => ({
    name: `readme-${block.line}.mts`, line: block.line, source: snippetModule(block.code),
  }));
}
