import type * as S3 from '@aws-sdk/client-s3';
import type * as Presigner from '@aws-sdk/s3-request-presigner';

/** The two AWS SDK modules the S3 adapter uses. */
export interface AwsSdk {
  s3: typeof S3;
  presigner: typeof Presigner;
}

const INSTALL = 'npm install @aws-sdk/client-s3 @aws-sdk/s3-request-presigner';

/**
 * Loads the AWS SDK, an optional peer dependency: apps that never import
 * `express-signed-downloads/s3` do not install it, and apps that do get told
 * exactly what is missing instead of a bare MODULE_NOT_FOUND.
 */
export function loadAwsSdk(): AwsSdk {
  try {
    return {
      s3: require('@aws-sdk/client-s3') as typeof S3,
      presigner: require('@aws-sdk/s3-request-presigner') as typeof Presigner,
    };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
      throw new Error(`express-signed-downloads/s3 needs the AWS SDK v3 in your app: ${INSTALL}`, { cause: error });
    }
    throw error;
  }
}
