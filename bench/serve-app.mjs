// A benchmark target in its own process, so the load generator does not share its event loop.
// Usage: node bench/serve-app.mjs <scenario>; prints the URL to load once listening.
import express from 'express';
import { S3Client } from '@aws-sdk/client-s3';
import { redirectToPresigned } from 'express-signed-downloads';
import { s3Storage } from 'express-signed-downloads/s3';

const scenarios = {
  'redirect': () => ({ path: '/report/redirect', router: redirect({}) }),
  'redirect-cached': () => ({ path: '/report/redirect', router: redirect({ presignCache: {} }) }),
};

function redirect(storageOptions) {
  const client = new S3Client({
    endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret-bench-secret' },
  });
  return redirectToPresigned({
    storage: s3Storage({ client, bucket: 'bench', ...storageOptions }),
    // A filename gives the type, so presigning needs no HeadObject: the figure is the router plus signing.
    findFile: (id) => ({ id, key: `files/${id}.png`, filename: `${id}.png` }),
    authorize: () => true,
  });
}

const { path, router } = scenarios[process.argv[2]]();
const app = express();
app.use(router);
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}${path}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
