import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AUGMENTATION, docExampleModules, readmeModules } from './readme-snippets';

// npm pack + install into a fresh consumer app: what users get, not what the repo has.
const repo = resolve(__dirname, '../..');
const fixture = join(__dirname, 'fixture');
let consumer: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });
}

beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), 'esd-consumer-'));
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', consumer], repo).trim().split('\n').pop()!;
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  for (const file of readdirSync(fixture)) copyFileSync(join(fixture, file), join(consumer, file));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(consumer, tarball), 'express@^5', '@types/express@^5', '@types/node@^20'], consumer);
}, 180_000);

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

test('the tarball ships dist, README, CHANGELOG and no sources or tests', () => {
  const listing = run('tar', ['-tzf', readdirSync(consumer).find((f) => f.endsWith('.tgz'))!], consumer);
  expect(listing).toContain('package/dist/index.js');
  expect(listing).toContain('package/dist/index.mjs');
  expect(listing).toContain('package/dist/index.d.ts');
  expect(listing).toContain('package/dist/index.d.mts');
  expect(listing).toContain('package/README.md');
  expect(listing).toContain('package/CHANGELOG.md');
  expect(listing).not.toMatch(/package\/(lib|__tests__|examples)\//);
});

test('the CHANGELOG in the tarball describes the version being shipped, not "Unreleased"', () => {
  const tarball = readdirSync(consumer).find((f) => f.endsWith('.tgz'))!;
  const changelog = run('tar', ['-xOzf', tarball, 'package/CHANGELOG.md'], consumer);
  const version = (JSON.parse(run('tar', ['-xOzf', tarball, 'package/package.json'], consumer)) as { version: string }).version;
  expect(changelog.match(/^## \[[^\]]+\]/m)?.[0]).toBe(`## [${version}]`);
});

test('import works from an ES module, sharing one copy with require()', () => {
  expect(run('node', ['esm.mjs'], consumer).trim()).toBe('esm: hello from esm');
});

test('require() works from CommonJS', () => {
  expect(run('node', ['cjs.cjs'], consumer).trim()).toBe('cjs: hello from cjs text/plain; charset=utf-8');
});

// tsc's own report, so a failure names the file, line and message.
function typecheck(project = 'tsconfig.json'): string {
  try {
    run(join(repo, 'node_modules/.bin/tsc'), ['-p', project], consumer);
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

test('a strict TypeScript consumer type-checks against the shipped declarations (ESM and CJS)', () => {
  expect(typecheck()).toBe('');
});

test('a CommonJS TypeScript project on moduleResolution node10 (the NestJS 10 default) finds the root\'s and the subpaths\' types', () => {
  expect(typecheck('tsconfig.node10.json')).toBe('');
});

test('without the optional AWS SDK, the S3 subpath imports (so apps can probe for it) and s3Storage() says what to install', () => {
  const message = 'express-signed-downloads/s3 needs the AWS SDK v3 in your app: npm install @aws-sdk/client-s3 @aws-sdk/s3-request-presigner';
  const cjs = "const { s3Storage } = require('express-signed-downloads/s3'); console.log('loaded'); try { s3Storage({ client: { send() {} }, bucket: 'b' }) } catch (e) { console.log(e.message) }";
  expect(run('node', ['-e', cjs], consumer).trim().split('\n')).toEqual(['loaded', message]);
  const esm = "try { const { s3Storage } = await import('express-signed-downloads/s3'); console.log('loaded'); s3Storage({ client: { send() {} }, bucket: 'b' }) } catch (e) { console.log(e.message) }";
  expect(run('node', ['--input-type=module', '-e', esm], consumer).trim().split('\n')).toEqual(['loaded', message]);
});

test('the Redis subpath imports without the redis package (the client is the app\'s) and names what it needs', () => {
  const script = "const { redisUseStore } = require('express-signed-downloads/redis'); try { redisUseStore({}) } catch (e) { console.log(e.message) }";
  expect(run('node', ['-e', script], consumer).trim()).toMatch(/^redisUseStore: pass \{ client \}, a connected node-redis client/);
  const esm = "const { redisUseStore } = await import('express-signed-downloads/redis'); console.log(typeof redisUseStore)";
  expect(run('node', ['--input-type=module', '-e', esm], consumer).trim()).toBe('function');
});

// Last, because they change the consumer: the AWS SDK (for the README's S3
// block) and the newest @types/node.
describe('the packed declarations under strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes and skipLibCheck: false', () => {
  beforeAll(() => {
    // The type-level tests, against the package instead of the sources.
    const inference = readFileSync(join(repo, '__tests__/types/inference.test-d.ts'), 'utf8')
      .replace("from '../../lib'", "from 'express-signed-downloads'");
    expect(inference).toContain("from 'express-signed-downloads'");
    writeFileSync(join(consumer, 'inference.mts'), inference);
    writeFileSync(join(consumer, 'readme-augmentation.mts'), AUGMENTATION);
    for (const module of readmeModules(join(repo, 'README.md'))) writeFileSync(join(consumer, module.name), module.source);
    for (const module of docExampleModules(join(consumer, 'node_modules/express-signed-downloads/dist'))) writeFileSync(join(consumer, module.name), module.source);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '@aws-sdk/client-s3@^3', '@aws-sdk/s3-request-presigner@^3', 'helmet@^8', 'redis@^5'], consumer);
  }, 180_000);

  test('the README has its ts blocks, each compiled as its own module', () => {
    expect(readmeModules(join(repo, "README.md")).length).toBeGreaterThanOrEqual(14);
  });

  test("the API reference's @example blocks are in the declarations, each compiled as its own module", () => {
    const examples = docExampleModules(join(consumer, 'node_modules/express-signed-downloads/dist'));
    // createDownloads, signUrl, createSigner, the five routers, fsStorage, s3Storage, redisUseStore.
    expect(examples.length).toBeGreaterThanOrEqual(11);
    expect(examples.map((module) => module.source).join('\n')).toContain("redisUseStore({ client: redis })");
  });

  test('with @types/node 20 (the oldest Node we support): the consumer, the type-level tests, every README ts block and every @example', () => {
    expect(JSON.parse(readFileSync(join(consumer, 'node_modules/@types/node/package.json'), 'utf8')).version).toMatch(/^20\./);
    expect(typecheck()).toBe('');
  });

  test('a CommonJS project on moduleResolution node16 with skipLibCheck: false (the declarations name no ES-module-only package such as jose)', () => {
    expect(typecheck('tsconfig.node16.json')).toBe('');
  });

  test('with the latest @types/node', () => {
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-online', '@types/node@latest'], consumer);
    expect(Number(JSON.parse(readFileSync(join(consumer, 'node_modules/@types/node/package.json'), 'utf8')).version.split('.')[0])).toBeGreaterThan(20);
    expect(typecheck()).toBe('');
  }, 180_000);
});
