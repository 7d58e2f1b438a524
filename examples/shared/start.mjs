// Starts an example app on 127.0.0.1 (PORT, default 3000; 0 picks a free port)
// and prints how to try it. Every example's server.mjs is this plus its banner.

/**
 * @param {import('express').Express} app
 * @param {(base: string) => string | Promise<string>} banner what to print once listening
 */
export function startExample(app, banner) {
  const port = Number(process.env.PORT ?? 3000);
  const server = app.listen(port, '127.0.0.1', async (error) => {
    // Express 5 hands a listen failure (the port is taken) to this callback.
    if (error) {
      console.error(`Cannot listen on 127.0.0.1:${port}: ${error.message}. Set PORT to a free port (PORT=0 picks one).`);
      process.exit(1);
    }
    const base = `http://127.0.0.1:${server.address().port}`;
    console.log(`listening on ${base}\n\n${(await banner(base)).trim()}\n\nPress Ctrl+C to stop.`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return server;
}

/** The signing secret: DOWNLOAD_SECRET, or a fresh one per start (URLs from an earlier run then stop working). */
export async function exampleSecret() {
  const { randomBytes } = await import('node:crypto');
  return process.env.DOWNLOAD_SECRET ?? randomBytes(32).toString('base64url');
}
