/** Length of the base64 text of `bytes` bytes (padded): 4 characters per started group of 3. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/**
 * Base64 of a byte sequence that arrives in pieces of any size. Each call
 * encodes whole groups of 3 bytes and keeps the 0–2 left over for the next,
 * so the texts concatenate to exactly the base64 of the whole sequence
 * (padding only at the end). Pieces whose lengths are multiples of 3 leave
 * nothing over.
 */
export class Base64Chunks {
  #carry: Buffer = Buffer.alloc(0);

  /**
   * Writes the text for `piece` into `target` and returns the part written;
   * `last` flushes what is left (with padding). `target` needs room for
   * `base64Length(piece.length + 2)` bytes. Bytes, not a string: a string
   * lives on the JavaScript heap and the socket copies it again, while a
   * buffer is written as it is and can be reused once the socket has taken it.
   */
  encode(piece: Buffer, last: boolean, target: Buffer): Buffer {
    const bytes = this.#carry.length === 0 ? piece : Buffer.concat([this.#carry, piece]);
    const whole = last ? bytes.length : bytes.length - (bytes.length % 3);
    // A copy: the piece's memory is reused by the reader.
    this.#carry = Buffer.from(bytes.subarray(whole));
    return target.subarray(0, target.write(bytes.toString('base64', 0, whole), 'latin1'));
  }
}
