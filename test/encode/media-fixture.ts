import type { AudioStreamInfo, MediaInfo, SubtitleStreamInfo, VideoStreamInfo } from '../../src/decode/media-info.ts';

/** A probed 160x120, 24000/1001 fps, BT.709 yuv420p H.264 source with nothing but video, for the pure arg tests. */
export function fakeMedia(video: Partial<VideoStreamInfo> = {}, rest: Partial<Omit<MediaInfo, 'video'>> = {}): MediaInfo {
  return {
    file: '/videos/in.mp4',
    format: { name: 'mov,mp4,m4a,3gp,3g2,mj2', longName: 'QuickTime / MOV', duration: 2, sizeBytes: 1000, bitRate: null, startTime: 0, tags: {} },
    video: {
      index: 0,
      codec: 'h264',
      profile: 'High',
      width: 160,
      height: 120,
      codedWidth: 160,
      codedHeight: 120,
      sar: { num: 1, den: 1 },
      dar: { num: 4, den: 3 },
      rotation: 0,
      displayWidth: 160,
      displayHeight: 120,
      frameWidth: 160,
      frameHeight: 120,
      frameSar: { num: 1, den: 1 },
      avgFrameRate: { num: 24000, den: 1001 },
      rFrameRate: { num: 24000, den: 1001 },
      fps: 24000 / 1001,
      timeBase: { num: 1, den: 24000 },
      frameCount: 48,
      frameCountSource: 'container',
      startTime: 0,
      duration: 2.002,
      pixFmt: 'yuv420p',
      pixelFamily: 'yuv',
      bitDepth: 8,
      colorRange: 'tv',
      colorSpace: 'bt709',
      colorPrimaries: 'bt709',
      colorTransfer: 'bt709',
      fieldOrder: 'progressive',
      vfrLikely: false,
      tags: {},
      ...video,
    },
    audio: [],
    subtitles: [],
    other: [],
    chapters: 0,
    warnings: [],
    ...rest,
  };
}

export function audio(index: number, codec: string, extra: Partial<AudioStreamInfo> = {}): AudioStreamInfo {
  return { index, codec, channels: 2, channelLayout: 'stereo', sampleRate: 48000, language: null, title: null, isDefault: false, ...extra };
}

export function subtitle(index: number, codec: string, extra: Partial<SubtitleStreamInfo> = {}): SubtitleStreamInfo {
  return { index, codec, language: null, title: null, isDefault: false, ...extra };
}

/** The value following `flag` in an argument list (first occurrence). */
export function after(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

/** Every value following `flag`. */
export function allAfter(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1]!] : []));
}
