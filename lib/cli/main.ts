#!/usr/bin/env node
// npx express-signed-downloads keygen | inspect: see `--help`.
import { parseArgs } from 'node:util';
import { inspect } from './inspect';
import { signerKeys } from './key-source';
import { keygen, UsageError } from './keygen';
import { printable } from './printable';

const USAGE = `usage:
  express-signed-downloads keygen --alg HS256|EdDSA|ES256 [--kid K]
      HS256: a secret for an environment variable (DOWNLOAD_SECRET=…); with --kid,
             { kid, alg, secret }: an entry for createSigner({ keys }) and inspect --keys
      EdDSA, ES256: a key pair as JWKs, and the public JWK Set for createSigner({ jwks })
  express-signed-downloads inspect <url-or-token> [KEY] [--now UNIX-SECONDS] [--clock-tolerance 5]
      the token's header and claims, when it expires, and with a key whether the
      signed route accepts it and which check fails (exit code 1 when refused)
      KEY, one of:
        --secret-env NAME     the HS256 secret from environment variable NAME
        --secret -            the HS256 secret from standard input (--secret S also works, but S shows in the process list)
        --keys FILE|-         the JSON keys array createSigner({ keys }) takes, or keygen's output
        --jwks FILE|JSON|-    a public JWK Set, or keygen's output`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      alg: { type: 'string' }, kid: { type: 'string' }, secret: { type: 'string' }, 'secret-env': { type: 'string' }, keys: { type: 'string' },
      jwks: { type: 'string' }, now: { type: 'string' },
      'clock-tolerance': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help === true || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (command === 'keygen') {
    if (values.alg === undefined) throw new UsageError('keygen needs --alg HS256, EdDSA or ES256');
    process.stdout.write(keygen(values.alg, values.kid));
    return 0;
  }
  if (command === 'inspect') {
    if (rest.length !== 1) throw new UsageError('inspect takes one URL or token');
    const keys = signerKeys({ secret: values.secret, secretEnv: values['secret-env'], keys: values.keys, jwks: values.jwks });
    const now = values.now === undefined ? undefined : Number(values.now);
    if (now !== undefined && !Number.isInteger(now)) throw new UsageError('--now is Unix seconds');
    const clockTolerance = values['clock-tolerance'] === undefined ? undefined : Number(values['clock-tolerance']);
    if (clockTolerance !== undefined && !(Number.isInteger(clockTolerance) && clockTolerance >= 0 && clockTolerance <= 300)) throw new UsageError('--clock-tolerance is 0 to 300 seconds');
    const { report, ok } = await inspect(rest[0]!, { keys, now, clockTolerance });
    process.stdout.write(report);
    return ok ? 0 : 1;
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    process.stderr.write(`express-signed-downloads: ${printable((error as Error).message)}\n${usage ? `${USAGE}\n` : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
