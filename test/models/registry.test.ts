import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { findModelByFile, getModel, listModels, RegistryEntrySchema } from '../../src/models/registry.ts';
import { TEMPLATES, templateForSize } from '../../src/models/templates.ts';

const NAMES = [
  'gpen-bfr-256',
  'gpen-bfr-512',
  'gpen-bfr-1024',
  'gpen-bfr-2048',
  'gpen-bfr-512-onnx',
  'gpen-bfr-1024-onnx',
  'gpen-bfr-2048-onnx',
  'yunet',
];

describe('registry', () => {
  it('lists every known model, each a valid entry', () => {
    const models = listModels();
    expect(models.map((m) => m.name)).toEqual(NAMES);
    for (const m of models) expect(RegistryEntrySchema.safeParse(m).success).toBe(true);
  });

  it('records the official checkpoints with their architecture and GPEN template', () => {
    expect(getModel('gpen-bfr-256')).toMatchObject({
      kind: 'restorer',
      format: 'pth',
      size: 256,
      sha256: null,
      bytes: null,
      alignment: 'gpen',
      architecture: { channelMultiplier: 1, narrow: 0.5, styleDim: 512, nMlp: 8 },
      url: 'https://public-vigen-video.oss-cn-shanghai.aliyuncs.com/robin/models/GPEN-BFR-256.pth',
    });
    expect(getModel('gpen-bfr-512').architecture).toEqual({ channelMultiplier: 2, narrow: 1, styleDim: 512, nMlp: 8 });
    expect(getModel('gpen-bfr-1024').url).toBe(
      'https://modelscope.cn/models/damo/cv_gpen_image-portrait-enhancement-hires/resolve/master/pytorch_model.pt',
    );
    expect(getModel('gpen-bfr-2048').url).toBe(
      'https://modelscope.cn/models/damo/cv_gpen_image-portrait-enhancement-hires/resolve/master/pytorch_model-2048.pt',
    );
    expect(getModel('gpen-bfr-2048').size).toBe(2048);
    for (const m of listModels().filter((e) => e.kind === 'restorer')) {
      expect(m.licence).toMatch(/Alibaba.*non-commercial/);
      expect(m.tensors).toEqual({ input: 'input', outputs: ['output'], color: 'rgb', range: '[-1,1]', layout: 'NCHW' });
    }
  });

  it('records the community ONNX exports with size, checksum and the FFHQ template', () => {
    expect(getModel('gpen-bfr-512-onnx')).toMatchObject({
      format: 'onnx',
      file: 'gpen_bfr_512.onnx',
      bytes: 284340240,
      sha256: 'd5f066b9068a8b74217f9712e28e875a6144629b108a6f7355acbdb3a2832c54',
      size: 512,
      alignment: 'ffhq',
      url: 'https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/gpen_bfr_512.onnx',
    });
    expect(getModel('gpen-bfr-1024-onnx')).toMatchObject({ bytes: 285203703, sha256: 'bcd31aa52110a2005efc96abbab4546d57e42482648f08715b552423d96b381b' });
    expect(getModel('gpen-bfr-2048-onnx')).toMatchObject({ bytes: 285582766, sha256: '66d12a637118d71b00f5a290b8dac13c81c1c0326a127a1978799c6e17bb8d1f' });
  });

  it('records YuNet as a BGR 0–255 detector', () => {
    expect(getModel('yunet')).toMatchObject({
      kind: 'detector',
      format: 'onnx',
      file: 'face_detection_yunet_2026may.onnx',
      bytes: 229738,
      sha256: 'ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0',
      size: null,
      alignment: null,
      architecture: null,
      tensors: { input: 'input', color: 'bgr', range: '[0,255]', layout: 'NCHW' },
    });
    expect(getModel('yunet').licence).toMatch(/^MIT/);
    expect(getModel('yunet').tensors.outputs).toHaveLength(12);
  });

  it('looks names up ignoring case and rejects unknown ones with the known list', () => {
    expect(getModel('GPEN-BFR-512').name).toBe('gpen-bfr-512');
    expect(getModel(' YuNet ').name).toBe('yunet');
    let err: unknown;
    try {
      getModel('gpen-bfr-4096');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe('E_UNKNOWN_MODEL');
    for (const n of NAMES) expect((err as Error).message).toContain(n);
    expect((err as Error).message).toContain('gpen-bfr-4096');
  });

  it('finds entries by file name, with or without a directory', () => {
    expect(findModelByFile('GPEN-BFR-512.pth')?.name).toBe('gpen-bfr-512');
    expect(findModelByFile('/some/where/GPEN_BFR_1024.ONNX')?.name).toBe('gpen-bfr-1024-onnx');
    expect(findModelByFile('C:\\models\\face_detection_yunet_2026may.onnx')?.name).toBe('yunet');
    expect(findModelByFile('pytorch_model.pt')).toBeUndefined();
  });

  it('is frozen', () => {
    const m = getModel('yunet');
    expect(() => {
      (m as { bytes: number | null }).bytes = 1;
    }).toThrow(TypeError);
    expect(() => {
      (m.tensors.outputs as string[]).push('x');
    }).toThrow(TypeError);
  });

  it('validates entries: bare file names, hex checksums, restorer fields', () => {
    const good = { ...getModel('gpen-bfr-512-onnx') };
    expect(RegistryEntrySchema.safeParse(good).success).toBe(true);
    expect(RegistryEntrySchema.safeParse({ ...good, file: '../evil.onnx' }).success).toBe(false);
    expect(RegistryEntrySchema.safeParse({ ...good, file: 'x.onnx.part' }).success).toBe(false);
    expect(RegistryEntrySchema.safeParse({ ...good, sha256: 'D5F0' }).success).toBe(false);
    expect(RegistryEntrySchema.safeParse({ ...good, url: 'ftp://x/y' }).success).toBe(false);
    expect(RegistryEntrySchema.safeParse({ ...good, size: null }).success).toBe(false);
    expect(RegistryEntrySchema.safeParse({ ...good, url: 'http://127.0.0.1:8080/x' }).success).toBe(true);
  });
});

describe('alignment templates', () => {
  it('holds five points in the unit square for each template', () => {
    for (const name of ['gpen', 'ffhq'] as const) {
      const pts = TEMPLATES[name];
      expect(pts).toHaveLength(5);
      for (const [x, y] of pts) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(1);
        expect(y).toBeGreaterThan(0);
        expect(y).toBeLessThan(1);
      }
      // Left eye left of right eye, eyes above nose above mouth.
      const [le, re, nose, lm, rm] = pts;
      expect(le![0]).toBeLessThan(re![0]);
      expect(nose![1]).toBeGreaterThan(le![1]);
      expect(lm![1]).toBeGreaterThan(nose![1]);
      expect(lm![0]).toBeLessThan(rm![0]);
    }
    expect(TEMPLATES.gpen[0]).toEqual([0.394611, 0.474383]);
    expect(TEMPLATES.ffhq[4]).toEqual([0.61150205, 0.72490465]);
  });

  it('has FFHQ about 17% tighter than GPEN (eye distance)', () => {
    const eyes = (n: 'gpen' | 'ffhq') => TEMPLATES[n][1]![0] - TEMPLATES[n][0]![0];
    expect(eyes('ffhq') / eyes('gpen')).toBeCloseTo(1.17, 2);
  });

  it('scales to pixels', () => {
    expect(templateForSize('gpen', 512)[2]).toEqual([0.50015 * 512, 0.59367 * 512]);
  });
});
