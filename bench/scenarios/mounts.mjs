// Mounting per tenant, measured: 1, 1,000 and 10,000 mounts of one
// createDownloads' serveSignedDownload + issueDownloadUrl (`/t/t<i>/files`),
// 1 KiB signed downloads of the first and of the last tenant. Express matches
// mounts one after another, so the last tenant pays for every mount before
// it; the README's "Mounting per tenant" table comes from here.
import { createSigner } from 'express-signed-downloads';
import { measure, median } from '../lib/runner.mjs';

const LEVELS = [1, 1_000, 10_000];
const MiB = (bytes) => (bytes === null || bytes === undefined ? null : bytes / (1024 * 1024));

export const mounts = {
  name: 'mounts',
  title: 'a mount per tenant: 1 / 1,000 / 10,000 mounts, 1 KiB signed download of the first and the last tenant',
  async run(ctx) {
    const { fixtures } = ctx;
    const signer = createSigner({ secret: fixtures.serverConfig.secret });
    const sha256 = fixtures.sha256Of('small');
    const pathFor = async (tenant) => {
      const path = `/t/${tenant}/files/small/content`;
      const { token, expires } = await signer.sign({ fileId: 'small', scope: path, expiresIn: 3600 });
      return `${path}?token=${token}&expires=${expires}`;
    };
    // Three rounds at most: fifteen runs a round, the 10,000th tenant's at a few dozen requests a second.
    const roundCount = Math.min(ctx.rounds, 3);
    const rounds = [];
    for (let round = 1; round <= roundCount; round++) {
      for (const tenants of LEVELS) {
        for (const which of tenants === 1 ? ['first'] : ['first', 'last']) {
          const tenant = which === 'first' ? 't0' : `t${tenants - 1}`;
          const side = {
            label: `${tenants} mounts, ${which}`,
            server: { app: 'mountedTenants', config: { ...fixtures.serverConfig, tenants } },
            plan: { requests: [{ path: await pathFor(tenant), sha256 }] },
          };
          const result = await measure(side, ctx, { connections: 50, seconds: ctx.seconds, warmupSeconds: ctx.warmupSeconds, timeoutSeconds: 120 });
          rounds.push({ round, tenants, which, rps: result.rps, setupMs: result.setupMs, rssAtStart: result.rssAtStart });
          ctx.log(`  round ${round} ${String(tenants).padStart(6)} mounts, ${which.padEnd(5)} ${result.rps.toFixed(0).padStart(6)} req/s, setup ${result.setupMs.toFixed(0)} ms, RSS ${MiB(result.rssAtStart).toFixed(1)} MiB`);
        }
      }
    }
    const of = (tenants, which, field) => median(rounds.filter((r) => r.tenants === tenants && r.which === which).map((r) => r[field]));
    const levels = Object.fromEntries(LEVELS.map((tenants) => [tenants, {
      setupMs: of(tenants, 'first', 'setupMs'),
      rssMiB: MiB(of(tenants, 'first', 'rssAtStart')),
      firstRps: of(tenants, 'first', 'rps'),
      lastRps: tenants === 1 ? of(tenants, 'first', 'rps') : of(tenants, 'last', 'rps'),
    }]));
    return { summary: { levels }, rounds };
  },
  lines: ({ summary }) => [
    '  mounts   setup     RSS idle   req/s first   req/s last',
    ...LEVELS.map((t) => {
      const l = summary.levels[t];
      return `  ${String(t).padStart(6)}  ${l.setupMs.toFixed(0).padStart(5)} ms  ${l.rssMiB.toFixed(1).padStart(6)} MiB  ${l.firstRps.toFixed(0).padStart(11)}  ${l.lastRps.toFixed(0).padStart(11)}`;
    }),
  ],
};
