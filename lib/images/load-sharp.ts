import type sharpModule from 'sharp';

/** sharp's factory, as the renderer uses it. */
export type SharpFactory = typeof sharpModule;

/**
 * Loads sharp, an optional peer dependency: only apps that render images
 * install it (the core never imports it), and they are told exactly what is
 * missing instead of a bare MODULE_NOT_FOUND.
 */
export function loadSharp(): SharpFactory {
  try {
    return require('sharp') as SharpFactory;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
      throw new Error('express-signed-downloads/images needs sharp in your app: npm install sharp', { cause: error });
    }
    throw error;
  }
}
