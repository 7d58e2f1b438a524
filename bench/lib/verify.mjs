// Correctness before speed: each side's server answers a sample of its plan
// once, and the status and exact bytes (sha256) must be what the scenario
// expects. A fast wrong answer is a failure, not a result.
import { createHash } from 'node:crypto';
import http from 'node:http';

const KEEP_BODY = 64 * 1024; // small bodies are kept for checks that parse them (JSON, redirects)

/** One request on a fresh connection (no redirects followed); the body is hashed as it streams. */
export function fetchOnce(origin, { path, headers = {} }) {
  return new Promise((resolve, reject) => {
    const req = http.get(origin + path, { headers, agent: false }, (res) => {
      const hash = createHash('sha256');
      const kept = [];
      let length = 0;
      res.on('data', (chunk) => {
        hash.update(chunk);
        length += chunk.length;
        if (length <= KEEP_BODY) kept.push(chunk);
      });
      res.once('error', reject);
      res.once('end', () => {
        // What wrk counts per response: status line, header lines, blank line, body.
        // rawHeaders alternates names (+ ": ") and values (+ CRLF): 2 bytes each.
        const headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2
          + res.rawHeaders.reduce((sum, item) => sum + item.length + 2, 0);
        resolve({
          status: res.statusCode,
          headers: res.headers,
          sha256: hash.digest('hex'),
          length,
          body: length <= KEEP_BODY ? Buffer.concat(kept) : null,
          responseBytes: headerBytes + length,
        });
      });
    });
    req.once('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer from ${path} within 60 s`)));
  });
}

/** Which requests of a plan to check: all of a short cycle, else the first two and the last. */
function sample(requests) {
  return requests.length <= 64 ? requests : [requests[0], requests[1], requests.at(-1)];
}

/**
 * Checks a side against its expectations and returns the mean response size
 * for the byte check after loading. A request may carry `status` and
 * `sha256`; `side.check(response, request)` may throw for answers that are
 * not byte-identical from run to run (issued URLs, presigned redirects).
 */
export async function verifySide(origin, side) {
  const checked = sample(side.plan.requests);
  let total = 0;
  for (const request of checked) {
    const response = await fetchOnce(origin, request);
    const where = `${side.label} ${request.path.slice(0, 60)}${request.headers?.Range ? ` (Range ${request.headers.Range})` : ''}`;
    const status = request.status ?? 200;
    if (response.status !== status) throw new Error(`${where}: status ${response.status}, expected ${status}`);
    if (request.sha256 !== undefined && response.sha256 !== request.sha256) {
      throw new Error(`${where}: body sha256 ${response.sha256} (${response.length} bytes), expected ${request.sha256}`);
    }
    if (side.check) {
      try {
        side.check(response, request);
      } catch (error) {
        throw new Error(`${where}: ${error.message}`);
      }
    }
    total += response.responseBytes;
  }
  return { responseBytes: total / checked.length, checked: checked.length };
}
