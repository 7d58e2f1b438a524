import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

test('import works from an ES module, sharing one copy with require()', () => {
  expect(run('node', ['esm.mjs'], consumer).trim()).toBe('esm: hello from esm');
});

test('require() works from CommonJS', () => {
  expect(run('node', ['cjs.cjs'], consumer).trim()).toBe('cjs: hello from cjs text/plain; charset=utf-8');
});

test('a strict TypeScript consumer type-checks against the shipped declarations (ESM and CJS)', () => {
  expect(() => run(join(repo, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], consumer)).not.toThrow();
});

test('without the optional AWS SDK, the S3 subpath imports (so apps can probe for it) and s3Storage() says what to install', () => {
  const message = 'express-signed-downloads/s3 needs the AWS SDK v3 in your app: npm install @aws-sdk/client-s3 @aws-sdk/s3-request-presigner';
  const cjs = "const { s3Storage } = require('express-signed-downloads/s3'); console.log('loaded'); try { s3Storage({ client: { send() {} }, bucket: 'b' }) } catch (e) { console.log(e.message) }";
  expect(run('node', ['-e', cjs], consumer).trim().split('\n')).toEqual(['loaded', message]);
  const esm = "try { const { s3Storage } = await import('express-signed-downloads/s3'); console.log('loaded'); s3Storage({ client: { send() {} }, bucket: 'b' }) } catch (e) { console.log(e.message) }";
  expect(run('node', ['--input-type=module', '-e', esm], consumer).trim().split('\n')).toEqual(['loaded', message]);
});
