/** The bundled sample photos (face-api's demo images, MIT), copied into dist/samples by the build. */

export interface Sample {
  file: string;
  thumbnail: string;
  description: string;
}

const DESCRIPTIONS = [
  'three friends in costumes',
  'three women on a sofa',
  'three women on a leather sofa',
  'four friends posing indoors',
  'five friends on a staircase',
  'four friends by a window',
];

export const SAMPLES: readonly Sample[] = DESCRIPTIONS.map((description, i) => ({
  file: `samples/sample${i + 1}.jpg`,
  thumbnail: `samples/sample${i + 1}.thumb.jpg`,
  description,
}));
