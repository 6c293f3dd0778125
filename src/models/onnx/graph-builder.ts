import { AttributeType, DataType, ModelProto, type DataTypeId } from './onnx-schema.ts';
import { fromFloat16Array, toFloat16Array } from './float16.ts';

const SMALL_TENSOR = 4096;

/** A FLOAT attribute; plain numbers are INT attributes, number[] INTS, strings STRING. */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export const f = (v: number): FloatAttr => new FloatAttr(v);
export type AttrValue = number | number[] | string | FloatAttr;

/**
 * float32: weights and arithmetic in float32. float16: weights stored as float16, arithmetic in
 * float32 (half the file; the CPU's choice). half: the feature maps are computed in float16 too, with
 * float16 weights (what a GPU's tensor cores run fast); see featureWeight.
 */
export type WeightPrecision = 'float32' | 'float16' | 'half';
type Dim = number | string;

interface TensorRecord {
  name: string;
  dims: number[];
  data_type: DataTypeId;
  raw_data: Uint8Array;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Builds an ONNX graph node by node and serialises it. Float weights can be stored as
 * float16 with a Cast back to float32: onnxruntime folds the Cast at session creation,
 * so the file halves in size while the arithmetic stays float32.
 */
export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: TensorRecord[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly used = new Set<string>();
  private serial = 0;

  constructor(
    readonly name: string,
    readonly precision: WeightPrecision = 'float32',
  ) {}

  /** A fresh tensor name derived from `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.serial}`;
    this.used.add(name);
    return name;
  }

  input(name: string, dims: Dim[], elemType: DataTypeId = DataType.FLOAT): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims: Dim[], elemType: DataTypeId = DataType.FLOAT): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /**
   * The values a weight takes once stored: float16-rounded at float16 precision. Quantities derived
   * from a weight (such as demodulation factors) are computed from these, so they match it exactly.
   */
  stored(data: Float32Array): Float32Array {
    // a half graph keeps every feature weight as float16, small ones too
    const kept = this.precision === 'float32' || (this.precision === 'float16' && data.length < SMALL_TENSOR);
    return kept ? data : fromFloat16Array(toFloat16Array(data));
  }

  /**
   * A float weight, stored at the builder's precision; returns a float32 tensor name. Small tensors
   * (biases, per-channel factors) stay float32: they cost nothing and carry the most error per byte.
   */
  weight(hint: string, dims: number[], data: Float32Array): string {
    checkSize(hint, dims, data.length);
    if (this.precision === 'float32' || data.length < SMALL_TENSOR) return this.addInit(hint, dims, DataType.FLOAT, data);
    const stored = this.addInit(`${hint}_fp16`, dims, DataType.FLOAT16, toFloat16Array(data));
    return this.op('Cast', [stored], { to: DataType.FLOAT }, hint);
  }

  /**
   * A weight that multiplies or adds to feature maps: in a half graph a float16 tensor used as it
   * is (no Cast back), else as weight() stores it.
   */
  featureWeight(hint: string, dims: number[], data: Float32Array): string {
    if (this.precision !== 'half') return this.weight(hint, dims, data);
    checkSize(hint, dims, data.length);
    return this.addInit(hint, dims, DataType.FLOAT16, toFloat16Array(data));
  }

  /** A constant of the feature path (blur kernels, gains): float16 in a half graph, else constFloat(). */
  featureConst(hint: string, dims: number[], data: Float32Array | number[]): string {
    if (this.precision !== 'half') return this.constFloat(hint, dims, data);
    return this.featureWeight(hint, dims, data instanceof Float32Array ? data : Float32Array.from(data));
  }

  /** `x` (float32) as the feature path's type: a Cast in a half graph. */
  toFeature(x: string): string {
    return this.precision === 'half' ? this.op('Cast', [x], { to: DataType.FLOAT16 }, `${x}_h`) : x;
  }

  /** `x` (a feature-path tensor) as float32. */
  fromFeature(x: string, outHint?: string): string {
    return this.precision === 'half' ? this.op('Cast', [x], { to: DataType.FLOAT }, outHint ?? `${x}_f`) : outHint ? this.op('Identity', [x], {}, outHint) : x;
  }

  /** A float32 constant that must stay exact (kernels, epsilons, shapes of arithmetic). */
  constFloat(hint: string, dims: number[], data: Float32Array | number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    checkSize(hint, dims, arr.length);
    return this.addInit(hint, dims, DataType.FLOAT, arr);
  }

  constInt64(hint: string, values: number[]): string {
    return this.addInit(hint, [values.length], DataType.INT64, BigInt64Array.from(values.map(BigInt)));
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outHint?: string): string {
    return this.opN(opType, inputs, 1, attrs, outHint)[0]!;
  }

  opN(opType: string, inputs: string[], count: number, attrs: Record<string, AttrValue> = {}, outHint?: string): string[] {
    const base = outHint ?? opType.toLowerCase();
    const outs = Array.from({ length: count }, (_, i) => this.fresh(count === 1 ? base : `${base}_${i}`));
    this.nodes.push({
      op_type: opType,
      name: this.fresh(`n_${base}`),
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Serialises to ONNX bytes (opset 17, IR version 8). */
  toBytes(metadata: Record<string, string> = {}, docString = ''): Uint8Array {
    const model = {
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      producer_name: 'gpen-video',
      producer_version: '0.1.0',
      doc_string: docString,
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }

  private addInit(hint: string, dims: number[], dataType: DataTypeId, data: ArrayBufferView): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, data_type: dataType, raw_data: bytesOf(data) });
    return name;
  }
}

function checkSize(name: string, dims: number[], length: number): void {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== length) throw new Error(`tensor ${name}: dims [${dims}] hold ${n} values, data has ${length}`);
}

function valueInfo(name: string, elemType: DataTypeId, dims: Dim[]): object {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): object {
  if (v instanceof FloatAttr) return { name, type: AttributeType.FLOAT, f: v.value };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  return { name, type: AttributeType.INT, i: v };
}
