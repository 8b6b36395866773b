/**
 * Tiny baseline grayscale JPEG of a flat shade: one DC value, every AC coefficient zero. Huffman tables are
 * reduced to the symbols used, so a photo costs a few hundred bytes and renders in microseconds, which lets
 * seeded photos be produced lazily per request instead of being stored. `padding` makes it as large as a real
 * profile photo (application-data segments of filler): what a photo costs in transit, memory and storage.
 */
export function generateFlatJpeg(
  width: number,
  height: number,
  shade: number,
  comment: string,
  padding?: { toBytes: number; seed: number },
): Buffer {
  const level = Math.max(16, Math.min(240, Math.round(shade)));
  // Level shift then DCT of a flat block: DC = 8 * (p - 128); quantisation table of 1s keeps it as is.
  const dc = 8 * ((level === 128 ? 129 : level) - 128);
  const category = Math.floor(Math.log2(Math.abs(dc))) + 1;
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);

  const bits = new BitWriter();
  // DC table: '00' -> category 0, '01' -> our category; AC table: '0' -> EOB.
  bits.write(0b01, 2);
  bits.write(dc > 0 ? dc : dc + (1 << category) - 1, category);
  bits.write(0, 1);
  for (let i = 1; i < blocks; i++) bits.write(0b000, 3);

  const commentBytes = Buffer.from(comment, 'latin1');
  const dcBits = Buffer.alloc(16);
  dcBits[1] = 2;
  const acBits = Buffer.alloc(16);
  acBits[0] = 1;
  const head = [
    Buffer.from([0xff, 0xd8]),
    segment(
      0xe0,
      Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    ),
    segment(0xfe, commentBytes),
  ];
  const tail = [
    segment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)])),
    segment(0xc0, Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0])),
    segment(0xc4, Buffer.concat([Buffer.from([0x00]), dcBits, Buffer.from([0, category])])),
    segment(0xc4, Buffer.concat([Buffer.from([0x10]), acBits, Buffer.from([0x00])])),
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    bits.finish(),
    Buffer.from([0xff, 0xd9]),
  ];
  const unpadded = [...head, ...tail].reduce((sum, part) => sum + part.length, 0);
  const pad = padding ? paddingSegments(padding.toBytes - unpadded, padding.seed) : [];
  return Buffer.concat([...head, ...pad, ...tail]);
}

/** Largest payload of one JPEG segment (its length field counts itself: 65,535 - 2). */
const MAX_SEGMENT_PAYLOAD = 65_533;

/**
 * High-entropy filler, made once from a fixed seed (xorshift32): padded photos are as incompressible as real JPEG
 * data (PostgreSQL compresses large values it stores), and render without per-request work.
 */
const FILLER = (() => {
  const bytes = Buffer.alloc(MAX_SEGMENT_PAYLOAD + 4_096);
  let state = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
})();

/**
 * APP15 segments (application data a decoder skips) adding `bytes` to a photo, the last one up to 3 bytes more
 * (a segment has a 4-byte header); each photo's filler starts elsewhere in {@link FILLER}, so photos differ.
 */
function paddingSegments(bytes: number, seed: number): Buffer[] {
  const segments: Buffer[] = [];
  let left = bytes;
  let offset = (seed * 7_919) % 4_096;
  while (left > 0) {
    const payload = Math.min(MAX_SEGMENT_PAYLOAD, Math.max(0, left - 4));
    segments.push(segment(0xef, FILLER.subarray(offset, offset + payload)));
    left -= payload + 4;
    offset = (offset + 1) % 4_096;
  }
  return segments;
}

/** Reads width/height from the SOFn marker of an uploaded JPEG. */
export function readJpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] ?? 0;
    const length = bytes.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

function segment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.current = (this.current << 1) | ((value >> i) & 1);
      this.count += 1;
      if (this.count === 8) this.flushByte();
    }
  }

  finish(): Buffer {
    // Pad the last byte with 1-bits, as the JPEG spec requires.
    while (this.count !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    // Byte stuffing: a data 0xFF is followed by 0x00 so it isn't read as a marker.
    if (this.current === 0xff) this.bytes.push(0x00);
    this.current = 0;
    this.count = 0;
  }
}
