// Archive links for the benchmark: manifests kept as files beside the
// fixtures (an ArchiveStore on the storage a host already has), so the
// harness issues a link in its own process and a server process serves it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { memoryArchiveStore } from 'express-signed-downloads';

/** An ArchiveStore whose manifests are files under `<root>/manifests`; CRC-32s in memory. */
export function archiveManifestFiles(root) {
  const dir = join(root, 'manifests');
  mkdirSync(dir, { recursive: true });
  const crcs = memoryArchiveStore();
  return {
    getManifest(digest) {
      try {
        return readFileSync(join(dir, `${digest}.json`), 'utf8');
      } catch {
        return null;
      }
    },
    setManifest(digest, manifest) {
      writeFileSync(join(dir, `${digest}.json`), manifest);
    },
    getCrcs: (keys) => crcs.getCrcs(keys),
    setCrc: (key, crc32) => crcs.setCrc(key, crc32),
  };
}

/** POSTs to a running server's issueArchiveUrl; resolves the path of the link and its answer. */
export function issueArchive(origin, apiKey, fileIds) {
  const body = JSON.stringify({ file_ids: fileIds, filename: 'bench' });
  return new Promise((resolve, reject) => {
    const req = request(`${origin}/files/archive-url`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const answer = JSON.parse(Buffer.concat(chunks).toString());
        if (res.statusCode !== 200) return reject(new Error(`issueArchiveUrl answered ${res.statusCode}: ${JSON.stringify(answer)}`));
        const url = new URL(answer.download_url);
        resolve({ path: url.pathname + url.search, answer });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
