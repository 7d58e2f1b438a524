import type { Request, Router } from 'express';
import { memberChanged, type MemberSource, type SharedRun } from '../archives/archive-body';
import { ByteBudget } from '../http/byte-budget';
import { openManifest, recordCrc, recordFilename, statedVersion, zipMembers, type ArchiveManifest, type ManifestMember } from '../archives/archive-manifest';
import { openArchive } from '../archives/archive-object';
import type { ArchiveStore } from '../archives/archive-store';
import { isCrc32, type CrcMemory } from '../archives/crc-memory';
import { layoutZip, type ZipLayout } from '../archives/zip-layout';
import { memo } from '../http/memo';
import { DownloadError, toDownloadError } from '../errors';
import { queryOf } from '../http/query';
import { sendDeflated } from '../http/send-deflated';
import { serveFile } from '../http/serve-file';
import { parsePath, parseSettings, type Settings } from '../options/settings';
import type { ServedEvent, SharedOptions } from '../options/types';
import { checkRouterOptions, integerOption } from '../options/validate';
import { checkTenantState } from '../tenants/tenant-directory';
import { invalid } from '../tokens/claims';
import { matchClaims, type DownloadClaims, type Signer } from '../tokens/signer';
import type { FileRecord } from '../types';
import { downloadable, resolveTenant, type DownloadableFile } from './access';
import { archiveStoreOf } from './archive-links';
import { downloadRoute, downloadRouter, PASS_ON, report, type RequestContext } from './context';
import { recordFinder } from './issue-download-urls';
import { checkBindingSigner, checkHolder, checkRevocation, hasLinkTag, linkGate } from './link-checks';
import { linkParameters } from './link-parameters';
import { MAX_GRACE_SECONDS, requestPath, signingSettings } from './serve-signed-download';

/** Members one router reads at once to settle CRC-32s before headers (resumes of archives never read whole). */
const SETTLING_SLOTS = 4;

/** Options of `serveSignedArchive`; `signer` is required. */
export interface ServeSignedArchiveOptions<Principal = unknown, File extends FileRecord = FileRecord> extends SharedOptions<Principal, File> {
  signer: Signer;
  /** Route inside the router (default `/archives/content`). */
  path?: string | undefined;
  /** As on `serveSignedDownload`: seconds after expiry during which a transfer already begun may still be resumed (default 0, at most 3600). */
  graceSeconds?: number | undefined;
}

/** A manifest as the store gave it, checked and parsed, with its layout when it is stored (not deflated). */
interface OpenedManifest {
  digest: string;
  manifest: ArchiveManifest | undefined;
  layout: ZipLayout | undefined;
}

/** Manifests opened lately, by their text: the memory store hands back the very same string. */
const OPENED_MANIFESTS = 8;

/** The manifest the token binds, or 404 when the store no longer has it. */
async function boundManifest(store: ArchiveStore, claims: DownloadClaims, open: (text: string) => OpenedManifest): Promise<OpenedManifest & { manifest: ArchiveManifest }> {
  let text: unknown;
  try {
    text = await store.getManifest(claims.fileId);
  } catch (error) {
    throw new DownloadError('STORAGE_ERROR', undefined, { cause: error });
  }
  if (text === null || text === undefined) {
    throw new DownloadError('FILE_NOT_FOUND', 'This archive link is no longer available; ask for a new one.', { details: { reason: 'archive_gone' }, cause: new Error(`archiveStore has no manifest ${claims.fileId} (expired, evicted, or kept by another instance's memory store)`) });
  }
  const opened = typeof text === 'string' ? open(text) : undefined;
  const manifest = opened?.digest === claims.fileId ? opened.manifest : undefined;
  if (manifest === undefined || manifest.tenant !== (claims.tenant ?? null)) throw invalid(new Error(`archiveStore's manifest for ${claims.fileId} does not match the token`));
  return { ...opened!, manifest };
}

/** Why a member's record now differs from what the link bound, or `undefined`. */
function recordChange(member: ManifestMember, target: DownloadableFile): string | undefined {
  // Names follow from keys and filenames alone: with both unchanged, every name in the archive is too.
  if (target.key !== member.key) return 'its storage key changed';
  if (recordFilename(target.file) !== member.filename) return 'its filename changed';
  if (statedVersion(target.known) !== member.stated) return 'its record states another version';
  if (target.known.size !== undefined && target.known.size !== member.size) return `its record states ${target.known.size} bytes`;
  const crc = recordCrc(target.file);
  if (crc !== undefined && member.crc32 !== undefined && crc !== member.crc32) return 'its record states another CRC-32';
  return undefined;
}

/** What a learnt CRC-32 of a member is remembered under: its tenant, key, size and version (none: never remembered). */
function crcKeyOf(tenant: string | undefined, member: ManifestMember): string | undefined {
  const version = member.stated ?? member.etag;
  return version === undefined ? undefined : JSON.stringify([tenant ?? null, member.key, member.size, version]);
}

/** The CRC-32s already learnt for these members, read in one call; what this transfer learns is passed on to the store. */
async function learntCrcs(store: ArchiveStore, keys: readonly (string | undefined)[]): Promise<CrcMemory> {
  const wanted = keys.filter((key): key is string => key !== undefined);
  const known = new Map<string, number>();
  if (wanted.length > 0) {
    // A store that cannot answer costs a re-read, not the download.
    const found = await Promise.resolve(store.getCrcs(wanted)).catch(() => []);
    wanted.forEach((key, index) => {
      const crc = found[index];
      if (isCrc32(crc)) known.set(key, crc);
    });
  }
  return {
    get: (key) => known.get(key),
    set: (key, crc32) => {
      known.set(key, crc32);
      Promise.resolve().then(() => store.setCrc(key, crc32)).catch(() => undefined);
    },
  };
}

/**
 * Serves an archive link made by `issueArchiveUrl`: one ZIP of the files
 * the link binds, stored (not recompressed), with its exact length, ETag,
 * `Range` and `If-Range` like a file. The same rules as the signed file
 * route apply (tenant, scope, revocation, `maxUses`, `bindTo`,
 * `graceSeconds`); every member is looked up again and checked, and one
 * that changed since the link was issued is 412 `PRECONDITION_FAILED`.
 */
export function serveSignedArchive<Principal = unknown, File extends FileRecord = FileRecord>(options: ServeSignedArchiveOptions<Principal, File>): Router {
  const where = 'serveSignedArchive';
  checkRouterOptions(where, options, 'downloads.serveSignedArchive({ … })');
  const settings = parseSettings(where, options, ['path', 'graceSeconds'], { authorize: false, signer: true, unused: ['authorize', 'authenticate', 'subject'] });
  checkBindingSigner(where, settings);
  const graceSeconds = integerOption(where, 'graceSeconds', options.graceSeconds, 0, 0, MAX_GRACE_SECONDS);
  const path = parsePath(where, options.path, '/archives/content', false);
  const store = archiveStoreOf(where, settings);
  // CRC-32s being worked out for resumes in flight: concurrent ones share the reading.
  const settling = new Map<string, SharedRun>();
  const slots = new ByteBudget(SETTLING_SLOTS);
  // A link is fetched many times (ranges, resumes, segmented downloaders): its manifest is checked, parsed and laid out once.
  const open = memo(OPENED_MANIFESTS, (text): OpenedManifest => {
    const { digest, manifest } = openManifest(text);
    return { digest, manifest, layout: manifest === undefined || manifest.deflate === true ? undefined : layoutZip(zipMembers(manifest)) };
  });

  /** Every member's record, checked as the signed file route checks its one, and compared with what the link bound. */
  const currentMembers = async (req: Request, own: Settings, context: RequestContext, manifest: ArchiveManifest) => {
    const find = await recordFinder(own, manifest.members.map((m) => m.id), req);
    const targets: DownloadableFile[] = [];
    for (const member of manifest.members) {
      context.fileId = member.id;
      targets.push(downloadable(await find(context)));
    }
    context.fileId = undefined;
    context.file = undefined;
    manifest.members.forEach((member, index) => {
      const change = recordChange(member, targets[index]!);
      if (change !== undefined) throw memberChanged(`archive member ${member.id}: ${change}`);
    });
    return targets;
  };

  return downloadRouter(settings, (router) => router.get(path, downloadRoute(settings, async (req, res, context) => {
    const { token, expires } = linkParameters(queryOf(req));
    const chosen = signingSettings(settings, token, req);
    const own = chosen instanceof Promise ? await chosen : chosen;
    const claims = await own.signer!.verifySignature(token, { graceSeconds });
    // A file's token (a file whose id is `archives`, when serveSignedDownload shares the mount): its route redeems it.
    if (claims.archive !== true) throw PASS_ON;
    context.claims = claims;
    await resolveTenant(req, settings, context, undefined);
    matchClaims(claims, { fileId: claims.fileId, tenant: context.tenant, expires, scope: settings.scope ?? requestPath(req) });
    checkTenantState(own.tenantPolicy);
    await checkHolder(req, own, claims);
    const { manifest, layout } = await boundManifest(store, claims, open);
    const targets = await currentMembers(req, own, context, manifest);
    await checkRevocation(req, own, claims, targets.map((target) => target.file));
    const sources: MemberSource[] = manifest.members.map((member) => ({ storage: own.storage, key: member.key, crcKey: crcKeyOf(context.tenant, member), etag: member.etag }));
    const crcs = await learntCrcs(store, sources.map((source) => source.crcKey));
    const members = manifest.members.map((m) => ({ fileId: m.id, name: m.name, size: m.size }));
    const served = (outcome: Pick<ServedEvent, 'status' | 'bytes' | 'range' | 'aborted'>) => report(own, req, context, {
      type: 'served', signed: true, durationMs: performance.now() - context.started, offloaded: false, claims, uses: context.uses, members, ...outcome,
    });
    // A member failing once bytes went out cuts the transfer; the host hears why, besides the aborted `served`.
    const failed = (thrown: unknown) => {
      const error = toDownloadError(thrown);
      report(own, req, context, { type: error.status >= 500 ? 'failed' : 'denied', error, status: error.status });
    };
    const remaining = claims.expired === true ? 0 : Math.max(0, claims.expires - Math.ceil(Date.now() / 1000));
    const file: FileRecord = { id: claims.fileId, filename: manifest.filename, contentType: 'application/zip' };
    const admit = linkGate(own, context, claims, graceSeconds);
    const answer = { cacheControl: `private, max-age=${remaining}`, headers: { 'Referrer-Policy': 'no-referrer' } };
    if (manifest.deflate === true) {
      await sendDeflated(req, res, { file, isInlineSafe: own.isInlineSafe, ...answer, admit, served }, { members: zipMembers(manifest), sources, crcs, failed });
      return;
    }
    const plan = { layout: layout!, sources, crcs, settling, slots, failed };
    // A client gone before the headers stops the reading its resume asked for.
    const gone = new AbortController();
    res.once('close', () => gone.abort(new Error('the client went away')));
    const identity = { etag: `"z-${claims.fileId}"`, lastModified: undefined };
    try {
      await serveFile(req, res, {
        file,
        key: manifest.filename,
        known: {},
        storage: { open: (_key, openOptions) => openArchive(plan, identity, openOptions, gone.signal) },
        disposition: 'attachment',
        isInlineSafe: own.isInlineSafe,
        ...answer,
        json: false,
        budget: own.budget,
        formatResponse: undefined,
        admit,
        linkTag: hasLinkTag(claims, graceSeconds) ? (validator) => own.signer!.linkTag(claims, validator) : undefined,
        etagOnlyWithBytes: claims.maxUses !== undefined,
        onServed: served,
      });
    } catch (error) {
      // Nobody is left to answer: the reading stopped, and there is nothing to report but a hang-up.
      if (gone.signal.aborted && !res.headersSent) return;
      throw error;
    }
  })));
}
