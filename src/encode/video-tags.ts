/**
 * Source video-stream tags that would be wrong on the restored stream: rotation (the decoder already turned
 * the picture), the old encoder, and mkvmerge's statistics (duration, byte and frame counts, bitrate).
 */
const STALE = /^(rotate|encoder|vendor_id|duration|number_of_frames|number_of_bytes|bps)(-[\w-]+)?$|^_statistics_/i;

/** -metadata arguments that carry the source video stream's tags (language, title, timecode…) to the output's. */
export function videoTagArgs(tags: Record<string, string>): string[] {
  return Object.entries(tags)
    .filter(([key]) => !STALE.test(key))
    .flatMap(([key, value]) => ['-metadata:s:v:0', `${key}=${value}`]);
}
