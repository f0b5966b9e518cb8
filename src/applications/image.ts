import { SesameError } from '../errors.ts';

export const maxImageBytes = 256 * 1024;
export const maxImageSide = 1024;

export type ImageType = 'image/png' | 'image/jpeg';

/**
 * Checks a tile image by its bytes, not its name or declared type: a PNG or JPEG of at most
 * 256 KiB and 1024 pixels a side. SVG and everything else is rejected, because an SVG can carry
 * script.
 */
export function checkImage(bytes: Buffer): ImageType {
  if (bytes.length === 0) throw new SesameError('input_invalid', 'image is empty');
  if (bytes.length > maxImageBytes) {
    throw new SesameError('input_invalid', `image is over ${maxImageBytes / 1024} KiB`, {
      status: 413,
    });
  }

  const found = pngSize(bytes) ?? jpegSize(bytes);
  if (!found) throw new SesameError('input_invalid', 'image must be a PNG or JPEG file');
  if (
    found.width === 0 ||
    found.height === 0 ||
    found.width > maxImageSide ||
    found.height > maxImageSide
  ) {
    throw new SesameError(
      'input_invalid',
      `image must be at most ${maxImageSide}×${maxImageSide} pixels, not ${found.width}×${found.height}`,
    );
  }
  return found.type;
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(bytes: Buffer) {
  // The IHDR chunk comes first: length, "IHDR", then width and height (PNG specification 11.2.2).
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(pngSignature)) return undefined;
  if (bytes.subarray(12, 16).toString('latin1') !== 'IHDR') return undefined;
  return {
    type: 'image/png' as const,
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
  };
}

function jpegSize(bytes: Buffer) {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;

  // Walk the markers to the first start-of-frame, which contains the height and width.
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    const length = bytes.readUInt16BE(offset + 2);
    const startOfFrame =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (startOfFrame) {
      return {
        type: 'image/jpeg' as const,
        height: bytes.readUInt16BE(offset + 5),
        width: bytes.readUInt16BE(offset + 7),
      };
    }
    if (length < 2) return undefined;
    offset += 2 + length;
  }
  return undefined;
}
