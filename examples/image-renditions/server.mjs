// Starts the image renditions example and prints commands that work as printed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';

const apiKey = process.env.API_KEY ?? 'demo-key';
// Variants rendered by this run are kept here (VARIANTS_DIR keeps them across runs).
const variantsRoot = process.env.VARIANTS_DIR ?? mkdtempSync(join(tmpdir(), 'esd-variants-'));
const { app, downloads } = createApp({ secret: await exampleSecret(), apiKey, variantsRoot });

startExample(app, async (base) => {
  const thumb = await downloads.signUrl({ fileId: 'sunset', rendition: 'thumb', baseUrl: `${base}/files` });
  return `express-signed-downloads image renditions example
Variants are kept in ${variantsRoot}

1. Open ${base}/ in a browser: a thumbnail and an <img srcset> of three renditions, each on its own signed link.

2. Issue a link to the 256 × 256 thumbnail (the token binds the rendition):
   curl -s -H "X-API-Key: ${apiKey}" "${base}/files/sunset/download-url?rendition=thumb"

3. A signed thumbnail link (no auth header). Paste this line into your shell, then fetch it as a browser that takes AVIF would:
   THUMB_URL="${thumb.url}"
   curl -s -D - -o thumb.img -H "Accept: image/avif,image/webp,*/*" "$THUMB_URL"   # 200, Content-Type: image/avif, Vary: Accept
   curl -s -o thumb-2.img -H "Accept: image/avif,image/webp,*/*" "$THUMB_URL&width=1800" && cmp thumb.img thumb-2.img && echo "same thumbnail: the query cannot change it"

4. Free parameters within the host's limits (custom: true, maxSide 2000), and what is refused:
   curl -s -o sunset-800.webp -H "X-API-Key: ${apiKey}" "${base}/files/sunset/download?width=800&format=webp"
   curl -s -H "X-API-Key: ${apiKey}" "${base}/files/sunset/download?width=5000"   # 422 VALIDATION_ERROR

5. The original keeps its camera data (GPS included); no rendition carries any (run from this repository, where sharp is installed):
   curl -s -o sunset.jpg -H "X-API-Key: ${apiKey}" ${base}/files/sunset/download
   node -e "for (const f of process.argv.slice(1)) require('sharp')(f).metadata().then((m) => console.log(f, m.format, m.width + 'x' + m.height, 'EXIF:', m.exif ? 'yes' : 'none'))" sunset.jpg thumb.img sunset-800.webp`;
});
