/**
 * face-api (@vladmandic/face-api, the maintained fork of face-api.js) ships bare TF.js weight
 * manifests; the architectures live in its source. This module rebuilds three of them as ONNX,
 * layer for layer after face-api's src/ (the file each function follows is named on it):
 *
 * - `ssd_mobilenetv1`: MobileNetV1 + SSD face detector, boxes decoded against face-api's anchors.
 * - `face_landmark_68`: 68 landmarks from a small dense-block CNN.
 * - `face_recognition`: dlib's ResNet-34 128-d face descriptor.
 *
 * Every graph takes NHWC float32 RGB pixels in 0–255 with a symbolic batch, normalises them as
 * face-api does, transposes once to NCHW and stays there. Batch norms and dlib's scale layers are
 * folded into the convolution before them, so every layer is one Conv plus an activation.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataType, GraphBuilder } from './onnx.ts';
import { filterToOnnx } from './tfjs-graph.ts';
import { loadWeights, type Tensor, type WeightGroup } from './tfjs-weights.ts';

export type FaceApiModel = 'ssd_mobilenetv1' | 'face_landmark_68' | 'face_recognition';

type Rgb = [number, number, number];

export interface FaceApiModelSpec {
  /** face-api's weight manifest, relative to its model directory. */
  manifest: string;
  input: {
    name: 'input';
    shape: ['batch', number, number, 3];
    layout: 'NHWC';
    colours: 'RGB';
    /** The caller feeds raw pixels; the graph normalises them. */
    range: [0, 255];
    /** Applied inside the graph, per channel: (pixel − mean) / std. */
    normalisation: { mean: Rgb; std: number };
    /**
     * How face-api makes an image square before resizing it (bilinear) to the input size:
     * zeros after the short side, or split evenly around it.
     */
    squarePadding: 'bottom-right' | 'centred';
  };
  outputs: Record<string, { shape: (number | 'batch')[]; meaning: string }>;
  /** face-api's defaults for the detector's non-maximum suppression, which the caller runs. */
  nms?: { iouThreshold: number; minScore: number; maxResults: number };
}

const DLIB_MEAN_RGB: Rgb = [122.782, 117.001, 104.298];
const SSD_ANCHORS = 5118;

export const FACEAPI_MODELS: Record<FaceApiModel, FaceApiModelSpec> = {
  ssd_mobilenetv1: {
    manifest: 'ssd_mobilenetv1_model-weights_manifest.json',
    input: {
      name: 'input',
      shape: ['batch', 512, 512, 3],
      layout: 'NHWC',
      colours: 'RGB',
      range: [0, 255],
      // face-api: x / 127.5 − 1, i.e. [-1, 1].
      normalisation: { mean: [127.5, 127.5, 127.5], std: 127.5 },
      squarePadding: 'bottom-right',
    },
    outputs: {
      boxes: {
        shape: ['batch', SSD_ANCHORS, 4],
        meaning:
          '[ymin, xmin, ymax, xmax] per anchor, decoded, relative to the 512×512 input; may leave [0, 1], clip',
      },
      scores: { shape: ['batch', SSD_ANCHORS], meaning: 'face probability per anchor (sigmoid of class 1)' },
    },
    nms: { iouThreshold: 0.5, minScore: 0.5, maxResults: 100 },
  },
  face_landmark_68: {
    manifest: 'face_landmark_68_model-weights_manifest.json',
    input: {
      name: 'input',
      shape: ['batch', 112, 112, 3],
      layout: 'NHWC',
      colours: 'RGB',
      range: [0, 255],
      normalisation: { mean: DLIB_MEAN_RGB, std: 255 },
      squarePadding: 'centred',
    },
    outputs: {
      landmarks: {
        shape: ['batch', 136],
        meaning: '68 points as x0, y0, x1, y1, …, relative to the 112×112 input (about [0, 1])',
      },
    },
  },
  face_recognition: {
    manifest: 'face_recognition_model-weights_manifest.json',
    input: {
      name: 'input',
      shape: ['batch', 150, 150, 3],
      layout: 'NHWC',
      colours: 'RGB',
      range: [0, 255],
      normalisation: { mean: DLIB_MEAN_RGB, std: 255 },
      squarePadding: 'centred',
    },
    outputs: {
      descriptor: {
        shape: ['batch', 128],
        meaning: 'face descriptor, not L2-normalised; face-api matches at Euclidean distance < 0.6',
      },
    },
  },
};

export type Weights = Map<string, Tensor>;

export async function loadFaceApiWeights(model: FaceApiModel, modelDir: string): Promise<Weights> {
  const manifest = join(modelDir, FACEAPI_MODELS[model].manifest);
  return loadWeights(manifest, JSON.parse(await readFile(manifest, 'utf8')) as WeightGroup[]);
}

/** The ONNX graph of one model from its (possibly edited) weights. */
export function faceApiGraph(model: FaceApiModel, weights: Weights): GraphBuilder {
  const net = new Net(model, weights);
  const outputs = GRAPHS[model](net, net.input(FACEAPI_MODELS[model]));
  net.outputs(FACEAPI_MODELS[model], outputs);
  return net.g;
}

export async function buildFaceApiModel(model: FaceApiModel, modelDir: string): Promise<Uint8Array> {
  const graph = faceApiGraph(model, await loadFaceApiWeights(model, modelDir));
  return graph.toBytes({
    source: `@vladmandic/face-api ${model}`,
    spec: JSON.stringify(FACEAPI_MODELS[model]),
  });
}

export const buildSsdMobilenetV1 = (modelDir: string) => buildFaceApiModel('ssd_mobilenetv1', modelDir);
export const buildFaceLandmark68 = (modelDir: string) => buildFaceApiModel('face_landmark_68', modelDir);
export const buildFaceRecognition = (modelDir: string) => buildFaceApiModel('face_recognition', modelDir);

/** An NCHW feature map: its tensor, channel count and side (every map here is square). */
interface Feature {
  name: string;
  channels: number;
  size: number;
}

type Activation = 'linear' | 'relu' | 'relu6';

/** A TF.js convolution, the per-channel affine after it, and its activation. */
interface ConvLayer {
  /** HWIO, or HW(C)(1) when depthwise. */
  filter: Tensor;
  bias?: Float32Array;
  /** y·scale + shift per output channel: a batch norm or a dlib scale layer, folded into the weights. */
  affine?: { scale: Float32Array; shift: Float32Array };
  depthwise?: boolean;
  stride: number;
  padding: 'same' | 'valid';
  activation: Activation;
}

/** A GraphBuilder that knows face-api's weights and the static size of every feature map. */
class Net {
  readonly g: GraphBuilder;

  constructor(
    name: string,
    private readonly weights: Weights,
  ) {
    this.g = new GraphBuilder(name);
  }

  tensor(name: string): Tensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`face-api weights: missing ${name}`);
    return t;
  }

  floats(name: string): Float32Array {
    return this.tensor(name).data as Float32Array;
  }

  /** Declares the NHWC 0–255 input, normalises it and moves it to NCHW. */
  input(spec: FaceApiModelSpec): Feature {
    const { mean, std } = spec.input.normalisation;
    const pixels = this.g.input({ name: spec.input.name, elemType: DataType.FLOAT, shape: spec.input.shape });
    const centred = this.g.node('Sub', [pixels, this.g.floats('mean', mean)]);
    const normalised = this.g.node('Div', [centred, this.g.floats('std', [std], [])]);
    const nchw = this.g.node('Transpose', [normalised], { perm: [0, 3, 1, 2] });
    return { name: nchw, channels: 3, size: spec.input.shape[1] };
  }

  conv(x: Feature, layer: ConvLayer): Feature {
    const { weight, dims, bias } = foldedWeights(layer);
    const [channels = 0, , kernel = 1] = dims;
    const [before, after] = layer.padding === 'same' ? samePadding(x.size, kernel, layer.stride) : [0, 0];
    const inputs = [x.name, this.g.constant('W', weight, dims)];
    if (bias) inputs.push(this.g.constant('B', bias, [channels]));
    const y = this.g.node('Conv', inputs, {
      kernel_shape: [kernel, kernel],
      strides: [layer.stride, layer.stride],
      pads: [before, before, after, after],
      group: layer.depthwise ? x.channels : 1,
    });
    const size = Math.floor((x.size + before + after - kernel) / layer.stride) + 1;
    return this.activate({ name: y, channels, size }, layer.activation);
  }

  activate(x: Feature, activation: Activation): Feature {
    if (activation === 'linear') return x;
    const name =
      activation === 'relu'
        ? this.g.node('Relu', [x.name])
        : this.g.node('Clip', [x.name, this.g.floats('zero', [0], []), this.g.floats('six', [6], [])]);
    return { ...x, name };
  }

  add(first: Feature, ...rest: Feature[]): Feature {
    return { ...first, name: rest.reduce((sum, x) => this.g.node('Add', [sum, x.name]), first.name) };
  }

  /** TF.js 'valid' pooling. */
  pool(op: 'MaxPool' | 'AveragePool', x: Feature, kernel: number, stride: number): Feature {
    const name = this.g.node(op, [x.name], { kernel_shape: [kernel, kernel], strides: [stride, stride] });
    return { ...x, name, size: Math.floor((x.size - kernel) / stride) + 1 };
  }

  /** Zero-pads channels at the end and the map at the bottom and right, up to the given sizes. */
  padTo(x: Feature, channels: number, size: number): Feature {
    if (channels === x.channels && size === x.size) return x;
    const pads = this.g.int64s('pads', [0, 0, 0, 0, 0, channels - x.channels, size - x.size, size - x.size]);
    return { name: this.g.node('Pad', [x.name, pads], { mode: 'constant' }), channels, size };
  }

  /** NCHW [N, A·k, H, W] → [N, H·W·A, k]: TF.js's NHWC reshape of a per-anchor head. */
  perAnchor(x: Feature, k: number): string {
    const nhwc = this.g.node('Transpose', [x.name], { perm: [0, 2, 3, 1] });
    return this.g.node('Reshape', [nhwc, this.g.int64s('shape', [0, -1, k])]);
  }

  outputs(spec: FaceApiModelSpec, values: Record<string, string>): void {
    for (const [name, { shape }] of Object.entries(spec.outputs)) {
      const value = values[name];
      if (!value) throw new Error(`graph does not produce output ${name}`);
      this.g.node('Identity', [value], {}, name);
      this.g.output({ name, elemType: DataType.FLOAT, shape });
    }
  }
}

/** ONNX weights with the affine folded in: W·scale and b·scale + shift per output channel. */
function foldedWeights(layer: ConvLayer): { weight: Float32Array; dims: number[]; bias?: Float32Array } {
  const { data: weight, dims } = filterToOnnx(layer.filter, layer.depthwise ?? false);
  if (!layer.affine) return { weight, dims, bias: layer.bias };
  const { scale, shift } = layer.affine;
  const perChannel = weight.length / scale.length;
  for (let i = 0; i < weight.length; i++)
    weight[i] = (weight[i] ?? 0) * (scale[Math.floor(i / perChannel)] ?? 0);
  const bias = shift.map((t, o) => (layer.bias?.[o] ?? 0) * (scale[o] ?? 0) + t);
  return { weight, dims, bias };
}

/** TensorFlow 'SAME': the output is ceil(size / stride) and any odd pixel of padding goes after. */
function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

type GraphBody = (net: Net, input: Feature) => Record<string, string>;

// --- ssd_mobilenetv1 (src/ssdMobilenetv1/) ---

/** mobileNetV1.ts: batch-norm epsilon of the depthwise layers. */
const BATCH_NORM_EPSILON = 0.0010000000474974513;
/** outputLayer.ts: box encodings are (ty, tx, th, tw) scaled by 10, 10, 5, 5 (TF object detection API). */
const BOX_CENTRE_SCALE = 10;
const BOX_SIZE_SCALE = 5;

/** pointwiseConvLayer.ts: conv (any kernel), the batch norm's offset as bias, ReLU6. */
function ssdPointwise(net: Net, x: Feature, prefix: string, stride: number): Feature {
  return net.conv(x, {
    filter: net.tensor(`${prefix}/weights`),
    bias: net.floats(`${prefix}/convolution_bn_offset`),
    stride,
    padding: 'same',
    activation: 'relu6',
  });
}

/** mobileNetV1.ts depthwiseConvLayer: depthwise 3×3, batch norm, ReLU6. */
function ssdDepthwise(net: Net, x: Feature, prefix: string, stride: number): Feature {
  const gamma = net.floats(`${prefix}/BatchNorm/gamma`);
  const beta = net.floats(`${prefix}/BatchNorm/beta`);
  const mean = net.floats(`${prefix}/BatchNorm/moving_mean`);
  const variance = net.floats(`${prefix}/BatchNorm/moving_variance`);
  const scale = gamma.map((g, c) => g / Math.sqrt((variance[c] ?? 0) + BATCH_NORM_EPSILON));
  const shift = beta.map((b, c) => b - (mean[c] ?? 0) * (scale[c] ?? 0));
  return net.conv(x, {
    filter: net.tensor(`${prefix}/depthwise_weights`),
    affine: { scale, shift },
    depthwise: true,
    stride,
    padding: 'same',
    activation: 'relu6',
  });
}

/** boxPredictionLayer.ts: a plain 1×1 conv with bias. */
function ssdHead(net: Net, x: Feature, prefix: string): Feature {
  return net.conv(x, {
    filter: net.tensor(`${prefix}/weights`),
    bias: net.floats(`${prefix}/biases`),
    stride: 1,
    padding: 'same',
    activation: 'linear',
  });
}

const ssdMobilenetV1: GraphBody = (net, input) => {
  // mobileNetV1.ts: conv_0, then 13 depthwise/pointwise pairs; conv_11 and conv_13 feed box predictors 0 and 1.
  let x = ssdPointwise(net, input, 'MobilenetV1/Conv2d_0_pointwise', 2);
  const sources: Feature[] = [];
  for (let i = 1; i <= 13; i++) {
    x = ssdDepthwise(net, x, `MobilenetV1/Conv2d_${i}_depthwise`, [2, 4, 6, 12].includes(i) ? 2 : 1);
    x = ssdPointwise(net, x, `MobilenetV1/Conv2d_${i}_pointwise`, 1);
    if (i === 11 || i === 13) sources.push(x);
  }
  // predictionLayer.ts: four pairs of a 1×1 and a strided 3×3 conv, each pair feeding box predictors 2–5.
  for (let i = 0; i < 8; i++) {
    x = ssdPointwise(net, x, `Prediction/Conv2d_${i}_pointwise`, i % 2 === 1 ? 2 : 1);
    if (i % 2 === 1) sources.push(x);
  }
  const encodings = sources.map((s, i) =>
    net.perAnchor(ssdHead(net, s, `Prediction/BoxPredictor_${i}/BoxEncodingPredictor`), 4),
  );
  const classes = sources.map((s, i) =>
    net.perAnchor(ssdHead(net, s, `Prediction/BoxPredictor_${i}/ClassPredictor`), 3),
  );
  const g = net.g;
  const logits = g.node('Concat', classes, { axis: 1 });
  const faceLogit = g.node('Slice', [
    logits,
    g.int64s('start', [1]),
    g.int64s('end', [2]),
    g.int64s('axis', [2]),
  ]);
  return {
    boxes: decodeBoxes(net, g.node('Concat', encodings, { axis: 1 }), net.tensor('Output/extra_dim')),
    scores: g.node('Squeeze', [g.node('Sigmoid', [faceLogit]), g.int64s('axis', [2])]),
  };
};

/** outputLayer.ts decodeBoxesLayer: anchor-relative (ty, tx, th, tw) → [ymin, xmin, ymax, xmax]. */
function decodeBoxes(net: Net, encodings: string, anchors: Tensor): string {
  const g = net.g;
  // Anchors are [ymin, xmin, ymax, xmax]; their (y, x) sizes and centres in float32, as TF.js has them.
  const sizes = new Float32Array(SSD_ANCHORS * 2);
  const centres = new Float32Array(SSD_ANCHORS * 2);
  for (let i = 0; i < SSD_ANCHORS * 2; i++) {
    const [anchor, axis] = [Math.floor(i / 2), i % 2];
    const min = anchors.data[4 * anchor + axis] ?? 0;
    sizes[i] = (anchors.data[4 * anchor + axis + 2] ?? 0) - min;
    centres[i] = min + (sizes[i] ?? 0) / 2;
  }
  const anchorSizes = g.constant('anchor_sizes', sizes, [SSD_ANCHORS, 2]);
  const anchorCentres = g.constant('anchor_centres', centres, [SSD_ANCHORS, 2]);
  const pair = (from: number) =>
    g.node('Slice', [
      encodings,
      g.int64s('start', [from]),
      g.int64s('end', [from + 2]),
      g.int64s('axis', [2]),
    ]);
  const unscale = (t: string, by: number) => g.node('Div', [t, g.floats('scale', [by], [])]);
  const centre = g.node('Add', [
    g.node('Mul', [unscale(pair(0), BOX_CENTRE_SCALE), anchorSizes]),
    anchorCentres,
  ]);
  const size = g.node('Mul', [g.node('Exp', [unscale(pair(2), BOX_SIZE_SCALE)]), anchorSizes]);
  const half = unscale(size, 2);
  return g.node('Concat', [g.node('Sub', [centre, half]), g.node('Add', [centre, half])], { axis: 2 });
}

// --- face_landmark_68 (src/faceFeatureExtractor/, src/faceLandmarkNet/) ---

/** depthwiseSeparableConv.ts: depthwise 3×3 (strided), pointwise 1×1 with bias. */
function separableConv(
  net: Net,
  x: Feature,
  prefix: string,
  stride: number,
  activation: Activation,
): Feature {
  const depthwise = net.conv(x, {
    filter: net.tensor(`${prefix}/depthwise_filter`),
    depthwise: true,
    stride,
    padding: 'same',
    activation: 'linear',
  });
  return net.conv(depthwise, {
    filter: net.tensor(`${prefix}/pointwise_filter`),
    bias: net.floats(`${prefix}/bias`),
    stride: 1,
    padding: 'same',
    activation,
  });
}

/** denseBlock.ts denseBlock4: a downsampling conv, then three convs each fed the ReLU of all earlier sums. */
function denseBlock(net: Net, x: Feature, prefix: string, isFirst: boolean): Feature {
  const out1 = isFirst
    ? net.conv(x, {
        filter: net.tensor(`${prefix}/conv0/filters`),
        bias: net.floats(`${prefix}/conv0/bias`),
        stride: 2,
        padding: 'same',
        activation: 'relu',
      })
    : separableConv(net, x, `${prefix}/conv0`, 2, 'relu');
  const out2 = separableConv(net, out1, `${prefix}/conv1`, 1, 'linear');
  const out3 = separableConv(net, net.activate(net.add(out1, out2), 'relu'), `${prefix}/conv2`, 1, 'linear');
  const in4 = net.activate(net.add(out1, out2, out3), 'relu');
  const out4 = separableConv(net, in4, `${prefix}/conv3`, 1, 'linear');
  return net.activate(net.add(out1, out2, out3, out4), 'relu');
}

const faceLandmark68: GraphBody = (net, input) => {
  // FaceFeatureExtractor.ts: four dense blocks (112 → 7), 7×7 average pool; FaceProcessor.ts: fc.
  let x = input;
  for (let i = 0; i < 4; i++) x = denseBlock(net, x, `dense${i}`, i === 0);
  const pooled = net.pool('AveragePool', x, 7, 2);
  const g = net.g;
  const fc = net.tensor('fc/weights');
  const flat = g.node('Flatten', [pooled.name], { axis: 1 });
  return {
    landmarks: g.node('Gemm', [
      flat,
      g.constant('fc_weights', fc.data as Float32Array, fc.shape),
      g.constant('fc_bias', net.floats('fc/bias'), [fc.shape[1] ?? 0]),
    ]),
  };
};

// --- face_recognition (src/faceRecognitionNet/) ---

/** convLayer.ts: conv with bias, dlib scale layer, optional ReLU. */
function dlibConv(
  net: Net,
  x: Feature,
  prefix: string,
  stride: number,
  padding: ConvLayer['padding'],
  activation: Activation,
): Feature {
  return net.conv(x, {
    filter: net.tensor(`${prefix}/conv/filters`),
    bias: net.floats(`${prefix}/conv/bias`),
    affine: { scale: net.floats(`${prefix}/scale/weights`), shift: net.floats(`${prefix}/scale/biases`) },
    stride,
    padding,
    activation,
  });
}

/** residualLayer.ts residual: two 3×3 convs plus the identity. */
function residual(net: Net, x: Feature, prefix: string): Feature {
  const out = dlibConv(net, x, `${prefix}/conv1`, 1, 'same', 'relu');
  return net.activate(net.add(dlibConv(net, out, `${prefix}/conv2`, 1, 'same', 'linear'), x), 'relu');
}

/**
 * residualLayer.ts residualDown: a strided 'valid' conv pair plus a 2×2 average pool of the input,
 * zero-padded to the doubled channel count; when the pool comes out larger (odd sizes), the conv
 * branch is zero-padded at the bottom and right to match.
 */
function residualDown(net: Net, x: Feature, prefix: string): Feature {
  const conv1 = dlibConv(net, x, `${prefix}/conv1`, 2, 'valid', 'relu');
  const out = dlibConv(net, conv1, `${prefix}/conv2`, 1, 'same', 'linear');
  const pooled = net.pool('AveragePool', x, 2, 2);
  const sum = net.add(
    net.padTo(pooled, out.channels, pooled.size),
    net.padTo(out, out.channels, pooled.size),
  );
  return net.activate(sum, 'relu');
}

/** FaceRecognitionNet.ts forwardInput, in order. */
const RESIDUAL_BLOCKS = [
  'conv32_1',
  'conv32_2',
  'conv32_3',
  'conv64_down',
  'conv64_1',
  'conv64_2',
  'conv64_3',
  'conv128_down',
  'conv128_1',
  'conv128_2',
  'conv256_down',
  'conv256_1',
  'conv256_2',
  'conv256_down_out',
] as const;

const faceRecognition: GraphBody = (net, input) => {
  let x = dlibConv(net, input, 'conv32_down', 2, 'valid', 'relu');
  x = net.pool('MaxPool', x, 3, 2);
  for (const block of RESIDUAL_BLOCKS) {
    x = block.includes('_down') ? residualDown(net, x, block) : residual(net, x, block);
  }
  const g = net.g;
  const fc = net.tensor('fc');
  const mean = g.node('ReduceMean', [x.name], { axes: [2, 3], keepdims: 0 });
  return { descriptor: g.node('MatMul', [mean, g.constant('fc', fc.data as Float32Array, fc.shape)]) };
};

const GRAPHS: Record<FaceApiModel, GraphBody> = {
  ssd_mobilenetv1: ssdMobilenetV1,
  face_landmark_68: faceLandmark68,
  face_recognition: faceRecognition,
};
