import { open } from 'node:fs/promises';

const ISO_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'styp']);

/**
 * Whether a file starts like a video container (MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, Ogg, FLV).
 * ffprobe picks a demuxer by extension when the content matches nothing, so "moov atom not found"
 * comes both from a truncated MP4 and from a text file named .mp4: these magic bytes tell them apart.
 */
export async function looksLikeContainer(file: string): Promise<boolean> {
  const head = Buffer.alloc(192);
  let bytes = 0;
  try {
    const handle = await open(file, 'r');
    try {
      ({ bytesRead: bytes } = await handle.read(head, 0, head.length, 0));
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
  return startsLikeContainer(head.subarray(0, bytes));
}

export function startsLikeContainer(head: Buffer): boolean {
  if (head.length >= 8 && ISO_BOXES.has(head.toString('latin1', 4, 8))) return true;
  const text4 = head.toString('latin1', 0, 4);
  if (text4 === 'RIFF' || text4 === 'OggS' || head.toString('latin1', 0, 3) === 'FLV') return true;
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return true; // EBML: Matroska, WebM
  if (head.length >= 4 && head.readUInt32BE(0) === 0x000001ba) return true; // MPEG program stream
  return head.length >= 189 && head[0] === 0x47 && head[188] === 0x47; // MPEG transport stream
}
