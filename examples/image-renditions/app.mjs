// Image renditions: an Express 5 app serving one photo from local disk as
// thumbnails, previews and a responsive <img srcset>, each on its own signed
// link. The link binds the rendition; variants are rendered once and kept on
// disk (storageVariants), then served like files (ETag, 304, Range).
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage } from 'express-signed-downloads';
import { imageRenditions, storageVariants } from 'express-signed-downloads/images';
import { own } from '../shared/own.mjs';

const records = {
  sunset: { id: 'sunset', key: 'sunset.jpg', filename: 'Sunset.jpg' },
};

/** The widths of the page's srcset, each a preset so a link names it. */
export const SRCSET_WIDTHS = [320, 640, 1280];

/** Builds the app; `secret` signs the URLs, `apiKey` guards issuing, `variantsRoot` is where rendered variants are kept. */
export function createApp({ secret, apiKey, variantsRoot }) {
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer: createSigner({ secret }),
    findFile: (id) => own(records, id),
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { apiKey } : null),
    authorize: () => true, // every holder of the API key may have every demo photo
    renditions: imageRenditions({
      presets: {
        thumb: { width: 256, height: 256, fit: 'cover' }, // format 'auto': AVIF, WebP or JPEG by the browser's Accept
        avatar: { width: 64, height: 64, fit: 'cover', format: 'webp' },
        ...Object.fromEntries(SRCSET_WIDTHS.map((width) => [`w${width}`, { width }])),
      },
      custom: true, // ?width=800&format=webp too, within maxSide
      maxSide: 2000,
      variants: storageVariants(fsStorage({ root: variantsRoot })),
    }),
  });

  const app = express();
  // A page whose image links are signed when it is rendered: the browser picks a srcset candidate by its width.
  app.get('/', async (_req, res) => {
    // Signed for the route's path; the page links to it on its own origin.
    const link = (rendition) => downloads.signUrl({ fileId: 'sunset', rendition, baseUrl: 'http://localhost/files', expiresIn: 600 })
      .then(({ url }) => { const { pathname, search } = new URL(url); return (pathname + search).replaceAll('&', '&amp;'); });
    const candidates = await Promise.all(SRCSET_WIDTHS.map(async (width) => `${await link(`w${width}`)} ${width}w`));
    const thumb = await link('thumb');
    res.set('Cache-Control', 'no-store').type('html').send(`<!doctype html>
<meta charset="utf-8"><title>Image renditions</title>
<style>body { font: 16px system-ui; margin: 2rem; max-width: 60rem } img { max-width: 100% }</style>
<h1>One photo, one signed link per rendition</h1>
<p>The thumbnail (256 × 256, AVIF or WebP where your browser takes them):</p>
<img id="thumb" src="${thumb}" width="256" height="256" alt="Thumbnail">
<p>A responsive image: the browser picks the 320, 640 or 1280-pixel rendition for this window and screen.</p>
<img id="responsive" srcset="${candidates.join(', ')}" sizes="(max-width: 60rem) 100vw, 60rem" alt="Sunset">
`);
  });
  app.use(
    '/files',
    downloads.issueDownloadUrl(), // GET /files/:fileId/download-url?rendition=thumb  (X-API-Key)
    downloads.serveSignedDownload(), // GET /files/:fileId/content?token=…&expires=…
    downloads.serveDownload(), // GET /files/:fileId/download[?rendition=…]  (X-API-Key)
  );
  return { app, downloads };
}
