import { createHash } from 'node:crypto';
import { DownloadError } from '../errors';
import { downloadFilename } from '../http/disposition';
import type { KnownMetadata } from '../http/types';
import type { FileRecord } from '../types';
import { safeMemberName, uniqueMemberNames } from './member-names';
import { isCrc32 } from './crc-memory';
import type { ZipMember } from './zip-layout';

/** One file of an archive, as its link binds it. */
export interface ManifestMember {
  id: string;
  key: string;
  /** The entry's name: safe and unique in the archive. */
  name: string;
  /** The record's own `filename` it was made from, if it had one (with `key`, all the name depends on). */
  filename?: string;
  size: number;
  /** Milliseconds: the entry's modification time. */
  modified: number;
  /** The version the record stated when the link was issued (its etag, or lastModified in ms), if any. */
  stated?: string;
  /** The store's ETag seen when the link was issued, when the record stated no version. */
  etag?: string;
  /** The record's `crc32`, if it gave one. */
  crc32?: number;
}

/** What an archive link serves: its members in order and its own name. Kept by the manifest store, bound by its digest. */
export interface ArchiveManifest {
  tenant: string | null;
  filename: string;
  members: ManifestMember[];
  /** Members deflated (`compression: 'deflate'`): streamed without a length or ranges. */
  deflate?: true;
}

/** The version a record states, as a string that changes when it does; `undefined` when it states none. */
export function statedVersion(known: KnownMetadata): string | undefined {
  return known.etag ?? (known.lastModified === undefined ? undefined : String(known.lastModified.getTime()));
}

/** A record's `crc32`, checked: an unsigned 32-bit integer, or `undefined`. */
export function recordCrc(file: FileRecord): number | undefined {
  const value: unknown = file.crc32;
  if (value === undefined || value === null) return undefined;
  if (isCrc32(value)) return value;
  throw new DownloadError('INTERNAL_ERROR', undefined, { cause: new TypeError(`findFile returned a record whose crc32 is ${JSON.stringify(value)}; expected an unsigned 32-bit integer (0 to 4294967295), or undefined`) });
}

/**
 * The entries' names for these records, in order: the record's filename
 * with its folders (`Holiday/beach.jpg`: the host chose them), else the last
 * segment of its key (how the store is laid out is nobody's business), made
 * safe and unique. The same records always give the same names, so the
 * signed route can tell a renamed member.
 */
export function memberNames(records: readonly { file: FileRecord; key: string }[]): string[] {
  return uniqueMemberNames(records.map(({ file, key }, index) => {
    const fallback = downloadFilename(undefined, key) ?? `file-${index + 1}`;
    const filename = recordFilename(file);
    return filename !== undefined ? safeMemberName(filename, fallback) : safeMemberName(fallback, `file-${index + 1}`);
  }));
}

/** The record's `filename` when it names one: with the key, what a member's name is made from. */
export function recordFilename(file: FileRecord): string | undefined {
  return typeof file.filename === 'string' && file.filename !== '' ? file.filename : undefined;
}

/** The manifest as the text the store keeps, and its digest (base64url SHA-256): what the token binds. */
export function sealManifest(manifest: ArchiveManifest): { text: string; digest: string } {
  const text = JSON.stringify({ v: 1, ...manifest });
  return { text, digest: createHash('sha256').update(text).digest('base64url') };
}

const isMember = (value: unknown): value is ManifestMember => {
  const m = value as Partial<ManifestMember> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.key === 'string' && typeof m.name === 'string'
    && Number.isSafeInteger(m.size) && Number.isSafeInteger(m.modified);
};

/**
 * A manifest as the store gave it: its digest, to compare with the one the
 * token binds (the store is trusted no more than the URL), and what it
 * says, or `undefined` when it is not a manifest.
 */
export function openManifest(text: string): { digest: string; manifest: ArchiveManifest | undefined } {
  const digest = createHash('sha256').update(text).digest('base64url');
  const parsed = JSON.parse(text) as { v?: unknown } & Partial<ArchiveManifest>;
  if (parsed.v !== 1 || typeof parsed.filename !== 'string' || !Array.isArray(parsed.members) || !parsed.members.every(isMember)) return { digest, manifest: undefined };
  return { digest, manifest: { tenant: parsed.tenant ?? null, filename: parsed.filename, members: parsed.members, ...(parsed.deflate === true ? { deflate: true } : {}) } };
}

/** The members as the ZIP layout takes them. */
export function zipMembers(manifest: ArchiveManifest): ZipMember[] {
  return manifest.members.map((m) => ({ name: m.name, size: m.size, crc32: m.crc32, modified: new Date(m.modified) }));
}

/**
 * The name an archive is downloaded as: the one asked for as one file name
 * (folder separators become `_`: "Q3/final" is `Q3_final.zip`, not
 * `final.zip`), without trailing dots or spaces, ending in `.zip`.
 */
export function archiveFilename(wanted: string | undefined): string {
  const flat = wanted?.replace(/[/\\]/g, '_').replace(/\.zip$/i, '').replace(/[. ]+$/, '');
  const name = flat === undefined || flat === '' ? undefined : downloadFilename(`${flat}.zip`, undefined);
  return name === undefined || name === '.zip' ? 'download.zip' : name;
}
