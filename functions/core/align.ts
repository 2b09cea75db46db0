/**
 * Face alignment: warp a face so its five landmarks land on a fixed template, as recognition models expect.
 *
 * Pixel convention (OpenCV's, which the InsightFace template assumes): integer coordinates are pixel
 * centres, so pixel (0, 0) covers [-0.5, 0.5)². Samples that fall outside the source are black, like
 * cv2.warpAffine's default border that InsightFace's crops were made with.
 */

import { type Affine, invertAffine, rotationOnto, similarityTransform } from './geometry.ts';
import { LANDMARK_NAMES, type Landmarks, type Point, type RgbImage } from './types.ts';

export interface AlignTemplate {
  size: readonly [width: number, height: number];
  /** Where the landmarks should land, in output pixels, in LANDMARK_NAMES order. */
  points: readonly Point[];
}

/** InsightFace's arcface_dst: the 112×112 template of ArcFace-family recognition models. */
export const ARCFACE_TEMPLATE_112: AlignTemplate = {
  size: [112, 112],
  points: [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
  ],
};

/**
 * Aligned crop of one face. `transform` maps image pixels to crop pixels (apply its inverse to map
 * crop coordinates back into the image).
 */
export function alignFace(
  image: RgbImage,
  landmarks: Landmarks,
  template: AlignTemplate,
): { crop: RgbImage; transform: Affine } {
  const transform = similarityTransform(
    LANDMARK_NAMES.map((name) => landmarks[name]),
    template.points,
  );
  const [width, height] = template.size;
  return { crop: warpAffine(image, invertAffine(transform), width, height), transform };
}

/** A width × height image whose pixel (x, y) is the source sampled bilinearly at toSource(x, y). */
export function warpAffine(image: RgbImage, toSource: Affine, width: number, height: number): RgbImage {
  const { data: src, width: srcW, height: srcH } = image;
  const out = new Uint8Array(width * height * 3);
  const [a, b, tx, c, d, ty] = toSource;
  const stride = srcW * 3;
  const at = (x: number, y: number, channel: number): number =>
    x < 0 || y < 0 || x >= srcW || y >= srcH ? 0 : (src[y * stride + x * 3 + channel] as number);

  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 3) {
      const sx = a * x + b * y + tx;
      const sy = c * x + d * y + ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= srcW || y0 >= srcH) continue; // all four neighbours outside: black
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < srcW && y0 + 1 < srcH) {
        // Interior: all four neighbours exist, so index directly.
        const i00 = y0 * stride + x0 * 3;
        const i01 = i00 + stride;
        for (let ch = 0; ch < 3; ch++) {
          out[o + ch] =
            w00 * (src[i00 + ch] as number) +
            w10 * (src[i00 + 3 + ch] as number) +
            w01 * (src[i01 + ch] as number) +
            w11 * (src[i01 + 3 + ch] as number) +
            0.5;
        }
      } else {
        for (let ch = 0; ch < 3; ch++) {
          out[o + ch] =
            w00 * at(x0, y0, ch) +
            w10 * at(x0 + 1, y0, ch) +
            w01 * at(x0, y0 + 1, ch) +
            w11 * at(x0 + 1, y0 + 1, ch) +
            0.5;
        }
      }
    }
  }
  return { data: out, width, height };
}

/**
 * The image turned by `degrees` (clockwise on screen) and scaled by `scale`, on a canvas that holds
 * all of it (black corners). `toImage` maps the turned image's pixels back to the original's.
 */
export function turnImage(image: RgbImage, degrees: number, scale = 1): { image: RgbImage; toImage: Affine } {
  const { transform, width, height } = rotationOnto(image.width, image.height, degrees, scale);
  const toImage = invertAffine(transform);
  return { image: warpAffine(image, toImage, width, height), toImage };
}
