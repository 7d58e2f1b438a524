import { readFileSync } from 'node:fs';
import type { KeyConfig } from '../tokens/keys';
import type { SignerOptions } from '../tokens/signer';
import { UsageError } from './keygen';

/**
 * Where `inspect` takes its keys from: at most one of these. A secret on the
 * command line shows in the process list and the shell history, so it can
 * also come from an environment variable (`secretEnv`) or standard input
 * (`-` for `secret`, `keys` or `jwks`).
 */
export interface KeySource {
  secret?: string | undefined;
  secretEnv?: string | undefined;
  keys?: string | undefined;
  jwks?: string | undefined;
}

const OPTION: Record<keyof KeySource, string> = { secret: '--secret', secretEnv: '--secret-env', keys: '--keys', jwks: '--jwks' };

/** `-` is standard input; anything else is the value itself. */
function valueOf(value: string, stdin: () => string): string {
  return value === '-' ? stdin() : value;
}

/** JSON given inline (it starts with `{` or `[`), on standard input (`-`) or in a file. */
function readJson(option: string, value: string, stdin: () => string): unknown {
  const text = valueOf(value, stdin);
  try {
    return JSON.parse(value === '-' || /^\s*[[{]/.test(text) ? text : readFileSync(text, 'utf8'));
  } catch (error) {
    throw new UsageError(`${option} is neither JSON nor a file holding it: ${(error as Error).message}`);
  }
}

/** `--keys`: the `keys` array createSigner takes, or one entry such as keygen prints (its public JWK Set is not a key). */
function keysOf(parsed: unknown): KeyConfig[] {
  if (Array.isArray(parsed)) return parsed as KeyConfig[];
  if (typeof parsed === 'object' && parsed !== null && 'alg' in parsed) {
    const { jwks: _publicSet, ...key } = parsed as KeyConfig & { jwks?: unknown };
    return [key];
  }
  throw new UsageError('--keys takes the JSON array createSigner({ keys }) takes, e.g. [{ "kid": "k2", "alg": "HS256", "secret": "…" }, { "alg": "HS256", "secret": "<old secret>" }], or keygen\'s output; a JWK Set goes to --jwks.');
}

/** The signer options the key source describes, or `undefined` when none was given (the signature is not checked). */
export function signerKeys(source: KeySource, stdin = () => readFileSync(0, 'utf8')): SignerOptions | undefined {
  const given = (Object.keys(OPTION) as (keyof KeySource)[]).filter((name) => source[name] !== undefined);
  if (given.length > 1) throw new UsageError(`pass one of --secret, --secret-env, --keys or --jwks, not ${given.map((name) => OPTION[name]).join(' and ')}`);
  if (source.secret !== undefined) {
    // `echo "$SECRET" |` ends the secret with a newline that is not part of it.
    return { secret: valueOf(source.secret, stdin).replace(/\r?\n$/, '') };
  }
  if (source.secretEnv !== undefined) {
    const secret = process.env[source.secretEnv];
    if (secret === undefined || secret === '') throw new UsageError(`--secret-env ${source.secretEnv}: that environment variable is not set`);
    return { secret };
  }
  if (source.keys !== undefined) return { keys: keysOf(readJson('--keys', source.keys, stdin)) };
  if (source.jwks !== undefined) {
    // A JWK Set, or what keygen printed (its `jwks`).
    const parsed = readJson('--jwks', source.jwks, stdin) as { jwks?: unknown } | null;
    return { jwks: (parsed?.jwks ?? parsed) as SignerOptions['jwks'] & object };
  }
  return undefined;
}
