import type { GetObjectCommandOutput, HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { ByteRange, OpenOptions, RangeHint, StorageStat, StoredObject } from '../types';
import type { AwsSdk } from './load-sdk';

/** What one object request needs: the client, where the object is, and the SDK's command classes. */
export interface ObjectLocation {
  client: S3Client;
  sdk: AwsSdk;
  bucket: string;
  key: string;
}

type Body = NodeJS.ReadableStream & { destroy?: (error?: Error) => void };

function rangeHeader(range: RangeHint | ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.start}-${range.end ?? ''}`;
}

const CONTENT_RANGE = /^bytes ([0-9]+)-([0-9]+)\/([0-9]+)$/;

function metadata(response: GetObjectCommandOutput | HeadObjectCommandOutput, size: number): StorageStat {
  const stat: StorageStat = { size };
  if (response.LastModified !== undefined) stat.lastModified = response.LastModified;
  if (response.ETag !== undefined) stat.etag = response.ETag;
  if (response.ContentType !== undefined) stat.contentType = response.ContentType;
  return stat;
}

/** The status of an SDK error (S3 answers 304 and 412 as errors). */
function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** The response headers the SDK kept on an error. */
function headersOf(error: unknown): Record<string, string> {
  return (error as { $response?: { headers?: Record<string, string> } } | null)?.$response?.headers ?? {};
}

/**
 * A 304 from the store. AWS sends the validators with it; a gateway that
 * does not (Ceph RGW) leaves the one tag the client sent, which matched.
 */
function notModified(error: unknown, options: OpenOptions): StoredObject {
  const headers = headersOf(error);
  const object: StoredObject = { size: 0, notModified: true, close: () => undefined };
  const single = options.ifNoneMatch !== undefined && !options.ifNoneMatch.includes(',') ? options.ifNoneMatch.trim() : undefined;
  const etag = headers.etag ?? single;
  if (etag !== undefined && etag !== '*') object.etag = etag;
  const lastModified = headers['last-modified'] === undefined ? Number.NaN : Date.parse(headers['last-modified']);
  if (!Number.isNaN(lastModified)) object.lastModified = new Date(lastModified);
  return object;
}

/** GetObject for `range` with an abort that releases the SDK's socket if the body is dropped half-read. */
async function getObject(location: ObjectLocation, range: RangeHint | ByteRange | undefined, options: OpenOptions = { body: true }) {
  const abort = new AbortController();
  const response = await location.client.send(
    new location.sdk.s3.GetObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Range: rangeHeader(range),
      IfNoneMatch: options.ifNoneMatch,
      IfModifiedSince: options.ifModifiedSince === undefined ? undefined : new Date(options.ifModifiedSince),
    }),
    { abortSignal: abort.signal },
  );
  const body = response.Body as unknown as Body;
  // When the engine destroys the body (client gone), the socket must not be
  // left half-read in the SDK's agent: aborting closes it.
  body.once('close', () => abort.abort());
  return { response, body };
}

/**
 * Opens an S3 object with one request: HeadObject for HEAD, else GetObject
 * with the client's Range and validators passed through, so S3 answers a
 * range or a 304 itself. The fetched body is handed to the engine when it
 * asks for that very range; only an engine decision the store could not
 * foresee (a stale If-Range, several ranges combined into one) costs a
 * second request. `null` for a missing object; other failures reject.
 */
export async function openS3Object(location: ObjectLocation, options: OpenOptions, isNotFound: (error: unknown) => boolean): Promise<StoredObject | null> {
  const conditional = { body: options.body, ifNoneMatch: options.ifNoneMatch, ifModifiedSince: options.ifModifiedSince };
  if (!options.body) {
    try {
      const head = await location.client.send(new location.sdk.s3.HeadObjectCommand({
        Bucket: location.bucket, Key: location.key, IfNoneMatch: options.ifNoneMatch,
        IfModifiedSince: options.ifModifiedSince === undefined ? undefined : new Date(options.ifModifiedSince),
      }));
      return { ...metadata(head, head.ContentLength ?? 0), stream: (range) => getObject(location, range).then(({ body }) => body), close: () => undefined };
    } catch (error) {
      if (statusOf(error) === 304) return notModified(error, options);
      if (isNotFound(error)) return null;
      throw error;
    }
  }
  let fetched: { response: GetObjectCommandOutput; body: Body } | undefined;
  try {
    fetched = await getObject(location, options.range, conditional);
  } catch (error) {
    const status = statusOf(error);
    if (status === 304) return notModified(error, options);
    if (isNotFound(error)) return null;
    // A range past the end: the engine needs the size to answer 416 (`bytes */size`).
    if (status === 416) return openS3Object(location, { body: false }, isNotFound);
    throw error;
  }
  const { response, body } = fetched;
  const contentRange = response.ContentRange === undefined ? null : CONTENT_RANGE.exec(response.ContentRange);
  const size = contentRange === null ? response.ContentLength ?? 0 : Number(contentRange[3]);
  const held: ByteRange = contentRange === null ? { start: 0, end: size - 1 } : { start: Number(contentRange[1]), end: Number(contentRange[2]) };
  let pending: Body | undefined = body;
  const release = () => {
    pending?.destroy?.();
    pending = undefined;
  };
  return {
    ...metadata(response, size),
    stream: async (range) => {
      if (pending !== undefined && range.start === held.start && range.end === held.end) {
        const handed = pending;
        pending = undefined;
        return handed;
      }
      release();
      return (await getObject(location, range)).body;
    },
    close: release,
  };
}
