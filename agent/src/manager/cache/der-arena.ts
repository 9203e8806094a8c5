/**
 * Long-lived storage for the DER the cache keeps (certificate chains, PKCS#8 keys): bytes are copied into large
 * slabs owned by the arena and handed out as views. Keeping thousands of small private `ArrayBuffer`s (or
 * slices of Node's shared 8 KiB pool, which pin whatever else was allocated next to them) costs far more per
 * byte, and scattering long-lived small native allocations between the transient ones of signing keeps freed
 * native memory from going back to the system.
 *
 * A slab is released by the garbage collector once no view into it is left. Views of SVIDs stored around the
 * same time share a slab, and such SVIDs are renewed around the same time too, so slabs empty together.
 */

/** Bytes per slab: large enough to be its own mapping (not on the allocator's small-object heap). */
export const DER_SLAB_BYTES = 256 * 1024;

/** A bump allocator over {@link DER_SLAB_BYTES} slabs; values larger than a slab get their own buffer. */
export class DerArena {
  private slab: Buffer | undefined;
  private used = 0;

  constructor(private readonly slabBytes: number = DER_SLAB_BYTES) {}

  /**
   * Copies `parts` next to each other into the arena; returns the whole run and one view per part (views
   * into the run). Nothing of the inputs is kept.
   */
  store(parts: readonly Uint8Array[]): { all: Buffer; parts: Buffer[] } {
    let total = 0;
    for (const part of parts) total += part.length;
    const all = this.reserve(total);
    const views: Buffer[] = [];
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      views.push(all.subarray(offset, offset + part.length));
      offset += part.length;
    }
    return { all, parts: views };
  }

  private reserve(length: number): Buffer {
    if (length > this.slabBytes / 4) return Buffer.allocUnsafeSlow(length);
    if (!this.slab || this.used + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + length);
    this.used += length;
    return view;
  }
}
