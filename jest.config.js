// Router suites run twice, once per Express major: the express4 project maps
// `express` (in the tests and in lib/) to the `express4` alias package.
const base = {
  testEnvironment: 'node',
  // jose v6 ships ESM only, so it is transpiled to CommonJS like our own sources.
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }] },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const http = ['<rootDir>/__tests__/http/**/*.test.ts', '<rootDir>/__tests__/security/**/*.test.ts'];

module.exports = {
  // A file that blocks its worker past the watchdog's limit fails the run and is named (see the reporter).
  reporters: ['default', '<rootDir>/__tests__/helpers/watchdog-reporter.js'],
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts', '<rootDir>/__tests__/storage/**/*.test.ts'] },
    { ...base, displayName: 'express5', testMatch: http, globals: { EXPRESS_MAJOR: 5 } },
    { ...base, displayName: 'express4', testMatch: http, globals: { EXPRESS_MAJOR: 4 }, moduleNameMapper: { '^express$': 'express4', '^express/(.*)$': 'express4/$1' } },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/package/**/*.test.ts', '<rootDir>/__tests__/examples/**/*.test.ts'],
      // Examples on S3 run in the s3 project, which starts the gateway.
      testPathIgnorePatterns: ['\\.s3\\.test\\.ts$'],
    },
    // nginx offload through a real nginx from Debian, started by the tests on 127.0.0.1.
    { ...base, displayName: 'nginx', testMatch: ['<rootDir>/__tests__/offload/**/*.test.ts'], globalSetup: '<rootDir>/__tests__/offload/global-setup.ts' },
    // Caches in front of stable links: nginx proxy_cache, Varnish's default VCL and Chromium behind nginx, on 127.0.0.1.
    { ...base, displayName: 'caches', testMatch: ['<rootDir>/__tests__/caches/**/*.test.ts'], globalSetup: '<rootDir>/__tests__/caches/global-setup.ts' },
    // Use counts shared by app instances through a real redis-server from Debian, started by the tests on 127.0.0.1.
    { ...base, displayName: 'redis', testMatch: ['<rootDir>/__tests__/redis/**/*.test.ts'], globalSetup: '<rootDir>/__tests__/redis/global-setup.ts' },
    // The used-up link answers, on Express 4 too.
    {
      ...base,
      displayName: 'redis-express4',
      testMatch: ['<rootDir>/__tests__/redis/used-up-links.test.ts'],
      globalSetup: '<rootDir>/__tests__/redis/global-setup.ts',
      moduleNameMapper: { '^express$': 'express4', '^express/(.*)$': 'express4/$1' },
    },
    // A bounded mixed attack load against a server process (scripts/load-attack.mjs --quick).
    { ...base, displayName: 'load', testMatch: ['<rootDir>/__tests__/load/**/*.test.ts'] },
    {
      ...base,
      displayName: 'browser',
      testMatch: ['<rootDir>/__tests__/browser/**/*.test.ts'],
      globalSetup: '<rootDir>/__tests__/browser/global-setup.ts',
    },
    // ZIP archives checked by Debian's unzip, 7-Zip (p7zip), bsdtar (libarchive) and Python's zipfile.
    { ...base, displayName: 'archives', testMatch: ['<rootDir>/__tests__/archives/**/*.test.ts'], globalSetup: '<rootDir>/__tests__/archives/global-setup.ts' },
    {
      ...base,
      displayName: 's3',
      testMatch: ['<rootDir>/__tests__/s3/**/*.test.ts', '<rootDir>/__tests__/examples/**/*.s3.test.ts'],
      globalSetup: '<rootDir>/__tests__/s3/global-setup.ts',
      globalTeardown: '<rootDir>/__tests__/s3/global-teardown.ts',
    },
  ],
};
