import { z } from 'zod';
import { UsageError } from '../errors.ts';

/**
 * The models gpen-video knows how to fetch, verify and run. The table is validated when this
 * module loads, so a typo in a checksum or URL fails every test rather than a user's download.
 */

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256 (64 digits)');

export const TensorSpecSchema = z.object({
  input: z.string().min(1),
  // A tuple with a rest element so that outputs[0] is typed as present.
  outputs: z.tuple([z.string().min(1)], z.string().min(1)),
  color: z.enum(['rgb', 'bgr']),
  range: z.enum(['[-1,1]', '[0,255]']),
  layout: z.literal('NCHW'),
});

export const GpenArchitectureSchema = z.object({
  channelMultiplier: z.number().int().positive(),
  narrow: z.number().positive(),
  styleDim: z.number().int().positive(),
  nMlp: z.number().int().positive(),
});

export const RegistryEntrySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    kind: z.enum(['restorer', 'detector']),
    format: z.enum(['pth', 'onnx']),
    // A bare file name: it is joined to the models directory, so no separators and no dot-files.
    file: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a bare file name')
      .refine((f) => !f.endsWith('.part'), '.part is reserved for downloads in progress'),
    bytes: z.number().int().positive().nullable(),
    sha256: sha256Schema.nullable(),
    licence: z.string().min(1),
    url: z.url({ protocol: /^https?$/ }),
    size: z.number().int().positive().nullable(),
    architecture: GpenArchitectureSchema.nullable(),
    tensors: TensorSpecSchema,
    alignment: z.enum(['gpen', 'ffhq']).nullable(),
    description: z.string().min(1),
  })
  .superRefine((e, ctx) => {
    if (e.kind === 'restorer' && (e.size === null || e.alignment === null)) {
      ctx.addIssue({ code: 'custom', message: `${e.name}: a restorer needs a crop size and an alignment template` });
    }
    if (e.kind === 'detector' && (e.size !== null || e.alignment !== null || e.architecture !== null)) {
      ctx.addIssue({ code: 'custom', message: `${e.name}: a detector has no crop size, template or GPEN architecture` });
    }
  });

export type TensorSpec = z.infer<typeof TensorSpecSchema>;
export type GpenArchitecture = z.infer<typeof GpenArchitectureSchema>;
export type RegistryEntry = Readonly<z.infer<typeof RegistryEntrySchema>>;

const RegistrySchema = z
  .array(RegistryEntrySchema)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    for (const e of entries) {
      for (const key of [`name:${e.name}`, `file:${e.file.toLowerCase()}`]) {
        if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `duplicate ${key}` });
        seen.add(key);
      }
      // Built-in downloads must not travel in clear text; http is only for test servers.
      if (!e.url.startsWith('https://')) ctx.addIssue({ code: 'custom', message: `${e.name}: url must be https` });
    }
  });

const GPEN_LICENCE = 'GPEN weights © Alibaba: academic and non-commercial use only';
const GPEN_TENSORS: TensorSpec = { input: 'input', outputs: ['output'], color: 'rgb', range: '[-1,1]', layout: 'NCHW' };
const OFFICIAL_BASE = 'https://public-vigen-video.oss-cn-shanghai.aliyuncs.com/robin/models';
const MODELSCOPE_BASE = 'https://modelscope.cn/models/damo/cv_gpen_image-portrait-enhancement-hires/resolve/master';
const FACEFUSION_BASE = 'https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0';

function gpenArch(channelMultiplier: number, narrow: number): GpenArchitecture {
  return { channelMultiplier, narrow, styleDim: 512, nMlp: 8 };
}

const RAW: unknown[] = [
  {
    name: 'gpen-bfr-256',
    kind: 'restorer',
    format: 'pth',
    file: 'GPEN-BFR-256.pth',
    bytes: null,
    sha256: null,
    licence: GPEN_LICENCE,
    url: `${OFFICIAL_BASE}/GPEN-BFR-256.pth`,
    size: 256,
    architecture: gpenArch(1, 0.5),
    tensors: GPEN_TENSORS,
    alignment: 'gpen',
    description: 'Official GPEN blind face restoration, 256 px crops (PyTorch checkpoint)',
  },
  {
    name: 'gpen-bfr-512',
    kind: 'restorer',
    format: 'pth',
    file: 'GPEN-BFR-512.pth',
    bytes: null,
    sha256: null,
    licence: GPEN_LICENCE,
    url: `${OFFICIAL_BASE}/GPEN-BFR-512.pth`,
    size: 512,
    architecture: gpenArch(2, 1),
    tensors: GPEN_TENSORS,
    alignment: 'gpen',
    description: 'Official GPEN blind face restoration, 512 px crops (PyTorch checkpoint)',
  },
  {
    name: 'gpen-bfr-1024',
    kind: 'restorer',
    format: 'pth',
    // ModelScope names both sizes pytorch_model*.pt; a distinct local name avoids confusion.
    file: 'GPEN-BFR-1024.pt',
    bytes: null,
    sha256: null,
    licence: GPEN_LICENCE,
    url: `${MODELSCOPE_BASE}/pytorch_model.pt`,
    size: 1024,
    architecture: gpenArch(2, 1),
    tensors: GPEN_TENSORS,
    alignment: 'gpen',
    description: 'GPEN blind face restoration, 1024 px crops (ModelScope PyTorch checkpoint)',
  },
  {
    name: 'gpen-bfr-2048',
    kind: 'restorer',
    format: 'pth',
    file: 'GPEN-BFR-2048.pt',
    bytes: null,
    sha256: null,
    licence: GPEN_LICENCE,
    url: `${MODELSCOPE_BASE}/pytorch_model-2048.pt`,
    size: 2048,
    architecture: gpenArch(2, 1),
    tensors: GPEN_TENSORS,
    alignment: 'gpen',
    description: 'GPEN blind face restoration, 2048 px crops (ModelScope PyTorch checkpoint)',
  },
  // Community exports: batch fixed to 1, static S, aligned with the FFHQ template by their authors.
  // The architecture is left null: the graph itself carries it.
  {
    name: 'gpen-bfr-512-onnx',
    kind: 'restorer',
    format: 'onnx',
    file: 'gpen_bfr_512.onnx',
    bytes: 284340240,
    sha256: 'd5f066b9068a8b74217f9712e28e875a6144629b108a6f7355acbdb3a2832c54',
    licence: `${GPEN_LICENCE} (ONNX export by the FaceFusion project)`,
    url: `${FACEFUSION_BASE}/gpen_bfr_512.onnx`,
    size: 512,
    architecture: null,
    tensors: GPEN_TENSORS,
    alignment: 'ffhq',
    description: 'GPEN-BFR-512 as a community ONNX graph (facefusion-assets), batch 1',
  },
  {
    name: 'gpen-bfr-1024-onnx',
    kind: 'restorer',
    format: 'onnx',
    file: 'gpen_bfr_1024.onnx',
    bytes: 285203703,
    sha256: 'bcd31aa52110a2005efc96abbab4546d57e42482648f08715b552423d96b381b',
    licence: `${GPEN_LICENCE} (ONNX export by the FaceFusion project)`,
    url: `${FACEFUSION_BASE}/gpen_bfr_1024.onnx`,
    size: 1024,
    architecture: null,
    tensors: GPEN_TENSORS,
    alignment: 'ffhq',
    description: 'GPEN-BFR-1024 as a community ONNX graph (facefusion-assets), batch 1',
  },
  {
    name: 'gpen-bfr-2048-onnx',
    kind: 'restorer',
    format: 'onnx',
    file: 'gpen_bfr_2048.onnx',
    bytes: 285582766,
    sha256: '66d12a637118d71b00f5a290b8dac13c81c1c0326a127a1978799c6e17bb8d1f',
    licence: `${GPEN_LICENCE} (ONNX export by the FaceFusion project)`,
    url: `${FACEFUSION_BASE}/gpen_bfr_2048.onnx`,
    size: 2048,
    architecture: null,
    tensors: GPEN_TENSORS,
    alignment: 'ffhq',
    description: 'GPEN-BFR-2048 as a community ONNX graph (facefusion-assets), batch 1',
  },
  {
    name: 'yunet',
    kind: 'detector',
    format: 'onnx',
    file: 'face_detection_yunet_2026may.onnx',
    bytes: 229738,
    sha256: 'ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0',
    licence: 'MIT (© 2020 Shiqi Yu; OpenCV Zoo)',
    url: 'https://media.githubusercontent.com/media/opencv/opencv_zoo/main/models/face_detection_yunet/face_detection_yunet_2026may.onnx',
    size: null,
    architecture: null,
    tensors: {
      input: 'input',
      outputs: ['cls_8', 'cls_16', 'cls_32', 'obj_8', 'obj_16', 'obj_32', 'bbox_8', 'bbox_16', 'bbox_32', 'kps_8', 'kps_16', 'kps_32'],
      color: 'bgr',
      range: '[0,255]',
      layout: 'NCHW',
    },
    alignment: null,
    description: 'YuNet face detector (boxes + 5 landmarks), dynamic input size; reliable for faces of about 10–300 px',
  },
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const REGISTRY: ReadonlyArray<RegistryEntry> = deepFreeze(RegistrySchema.parse(RAW));

export function listModels(): ReadonlyArray<RegistryEntry> {
  return REGISTRY;
}

/** Looks a model up by name, ignoring case; an unknown name is a usage error listing the known ones. */
export function getModel(name: string): RegistryEntry {
  const wanted = name.trim().toLowerCase();
  const entry = REGISTRY.find((e) => e.name === wanted);
  if (entry) return entry;
  const known = REGISTRY.map((e) => e.name).join(', ');
  throw new UsageError(
    `Unknown model "${name}". Known models: ${known}.`,
    'E_UNKNOWN_MODEL',
  );
}

/** The entry whose file name matches (ignoring case, directories stripped), or undefined. */
export function findModelByFile(fileName: string): RegistryEntry | undefined {
  const base = fileName.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  return REGISTRY.find((e) => e.file.toLowerCase() === base);
}
