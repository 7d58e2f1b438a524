/**
 * A JSON Web Key (RFC 7517) as parsed JSON: the members Ed25519 (`OKP`) and
 * P-256 (`EC`) keys use, and any others. The package's own type: naming
 * jose's in the declarations made them fail to compile in CommonJS projects
 * under `moduleResolution` node16 (jose is an ES module), and `@types/node`
 * renamed its own between majors.
 */
export interface Jwk {
  kty?: string | undefined;
  crv?: string | undefined;
  x?: string | undefined;
  y?: string | undefined;
  /** The private part: present in a private key only. */
  d?: string | undefined;
  kid?: string | undefined;
  alg?: string | undefined;
  use?: string | undefined;
  key_ops?: readonly string[] | undefined;
  ext?: boolean | undefined;
  [member: string]: unknown;
}
