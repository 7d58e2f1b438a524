// Tenants at scale: one mount serving 10,000 tenants, each with its own key
// and storage, all resolved (tenantConfig, cached), against a single-tenant
// app on the same route. The request goes to the last tenant: with a mount
// per tenant Express would try 9,999 others first.
import { createSigner } from 'express-signed-downloads';
import { tenantSecret } from '../servers/ours.mjs';

const TENANTS = 10_000;

export const tenants = {
  name: 'tenants',
  title: `1 KiB: the ${TENANTS.toLocaleString('en')}th of ${TENANTS.toLocaleString('en')} tenants (tenantConfig) vs one tenant on the same route`,
  metric: 'rps',
  connections: 50,
  timeoutSeconds: 120,
  // Both sides warm for 10 s: resolving 10,000 tenants leaves garbage that the first major
  // collections under load clear, which a server in service has long done.
  warmupSeconds: 10,
  notes: () => ['tenants: both sides warm up for 10 s before each measured run (except with --quick)'],
  async prepare({ fixtures }) {
    const sha256 = fixtures.sha256Of('small');
    const config = fixtures.serverConfig;
    const last = `t${TENANTS - 1}`;
    const path = `/t/${last}/files/small/content`;
    const signedWith = async (signer) => {
      const { token, expires } = await signer.sign({ fileId: 'small', tenant: last, scope: path, expiresIn: 3600 });
      return `${path}?token=${token}&expires=${expires}`;
    };
    const own = createSigner({ keys: [{ kid: last, alg: 'HS256', secret: tenantSecret(config.secret, last) }] });
    return {
      ours: { label: `tenant ${TENANTS} of ${TENANTS}`, server: { app: 'tenantsSigned', config: { ...config, tenants: TENANTS } }, plan: { requests: [{ path: await signedWith(own), sha256 }] } },
      // The same route and tenant hook, one key and one storage for all: what tenantConfig adds is the difference.
      reference: { label: 'one tenant, same route', server: { app: 'tenantSigned', config }, plan: { requests: [{ path: await signedWith(createSigner({ secret: config.secret })), sha256 }] } },
    };
  },
};
