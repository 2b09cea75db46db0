/**
 * Overlay geometry, no DOM: the API answers in pixels of the image it was sent (upright); the page shows
 * that image at another size. Everything here maps the first onto the second.
 */
import type { Box, Face, Landmarks, Point, Size } from './types.ts';

export const LANDMARK_NAMES = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;
export type LandmarkName = (typeof LANDMARK_NAMES)[number];

export interface Scale {
  x: number;
  y: number;
}

/** How much one image pixel measures on screen, per axis (equal unless the display is stretched). */
export function scaleBetween(image: Size, display: Size): Scale {
  if (!(image.width > 0 && image.height > 0)) throw new RangeError('image size must be positive');
  return { x: display.width / image.width, y: display.height / image.height };
}

export function scalePoint([x, y]: Point, scale: Scale): Point {
  return [x * scale.x, y * scale.y];
}

export function scaleBox(box: Box, scale: Scale): Box {
  return { x: box.x * scale.x, y: box.y * scale.y, width: box.width * scale.x, height: box.height * scale.y };
}

/** The part of a box inside the display: a face at the image's edge has a box that runs past it. */
export function clipBox(box: Box, display: Size): Box {
  const x = Math.min(Math.max(box.x, 0), display.width);
  const y = Math.min(Math.max(box.y, 0), display.height);
  const right = Math.min(Math.max(box.x + box.width, 0), display.width);
  const bottom = Math.min(Math.max(box.y + box.height, 0), display.height);
  return { x, y, width: right - x, height: bottom - y };
}

export interface LabelPlace {
  x: number;
  /** The text's baseline. */
  y: number;
}

/**
 * Where a face's label goes: just above its box, or just inside its top when there is no room above;
 * `textWidth` keeps it from running off the right edge.
 */
export function labelPlace(box: Box, display: Size, textHeight: number, textWidth: number): LabelPlace {
  const gap = 3;
  const above = box.y - gap;
  const y = above - textHeight >= 0 ? above : Math.min(box.y + textHeight + gap, display.height - gap);
  const x = Math.max(0, Math.min(box.x, display.width - textWidth));
  return { x, y };
}

export interface FaceShape {
  /** 1-based, as the page numbers faces. */
  number: number;
  box: Box;
  landmarks: { name: LandmarkName; at: Point }[];
  label: string;
  labelAt: LabelPlace;
}

export interface LayoutOptions {
  /** Height of a label's text in display pixels. */
  textHeight?: number;
  /** Rough width of one character in display pixels, to keep labels inside. */
  charWidth?: number;
  /** Label text for face i (0-based); defaults to "1 · 0.98", or "1" on a display narrower than 480 px. */
  label?: (face: Face, index: number) => string;
}

/** Below this display width, default labels carry the face number only: the scores are listed below. */
export const COMPACT_WIDTH = 480;

export function defaultLabel(face: Face, index: number): string {
  return `${index + 1} · ${face.score.toFixed(2)}`;
}

/** Every face's box, landmarks and label in display pixels. */
export function layoutFaces(
  faces: readonly Face[],
  image: Size,
  display: Size,
  options: LayoutOptions = {},
): FaceShape[] {
  const compact = (_face: Face, index: number) => String(index + 1);
  const { textHeight = 14, charWidth = 8 } = options;
  const label = options.label ?? (display.width < COMPACT_WIDTH ? compact : defaultLabel);
  const scale = scaleBetween(image, display);
  return faces.map((face, index) => {
    const box = clipBox(scaleBox(face.box, scale), display);
    const text = label(face, index);
    const landmarks = LANDMARK_NAMES.map((name) => ({
      name,
      at: scalePoint((face.landmarks as Landmarks)[name], scale),
    }));
    return {
      number: index + 1,
      box,
      landmarks,
      label: text,
      labelAt: labelPlace(box, display, textHeight, text.length * charWidth),
    };
  });
}
