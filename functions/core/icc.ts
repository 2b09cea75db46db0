/**
 * Reads just enough of an ICC colour profile to tell whether it is sRGB, so decode can skip a colour
 * transform that would not change a pixel: lcms costs ≈ 35 ms on a 1920 × 1280 photo, most cameras and
 * phones tag their JPEGs with an sRGB profile, and the pixels come out the same (decode.test.ts).
 * Anything else (Display P3, Adobe RGB, CMYK, grey, a profile this reader cannot follow) is transformed.
 */

/** sRGB's red, green and blue colorants adapted to the D50 profile connection space (ICC sRGB v2). */
const SRGB_COLORANTS = {
  rXYZ: [0.4361, 0.2225, 0.0139],
  gXYZ: [0.3851, 0.7169, 0.0971],
  bXYZ: [0.1431, 0.0606, 0.7141],
} as const;
/** Display P3's red is 0.08 away in X, Adobe RGB's 0.17; profiles of sRGB agree to about 1e-4. */
const COLORANT_TOLERANCE = 0.003;
/** Half a level of 8 bits: curves within it map every 8-bit value as sRGB's curve does, or one level off. */
const CURVE_TOLERANCE = 0.5 / 255;
const CURVE_SAMPLES = Array.from({ length: 33 }, (_, i) => i / 32);

/** sRGB's transfer function, encoded value → linear light. */
export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

type Curve = (v: number) => number;

export function isSrgbProfile(icc: Uint8Array): boolean {
  try {
    return readsAsSrgb(new DataView(icc.buffer, icc.byteOffset, icc.byteLength));
  } catch {
    return false; // truncated or malformed: let the colour management decide
  }
}

function readsAsSrgb(view: DataView): boolean {
  if (ascii(view, 16, 4) !== 'RGB ' || ascii(view, 20, 4) !== 'XYZ ') return false;
  const tags = tagTable(view);
  for (const [signature, expected] of Object.entries(SRGB_COLORANTS)) {
    const at = tags.get(signature);
    if (at === undefined || ascii(view, at, 4) !== 'XYZ ') return false;
    const xyz = [0, 1, 2].map((i) => view.getInt32(at + 8 + 4 * i) / 65536);
    if (xyz.some((value, i) => Math.abs(value - (expected[i] as number)) > COLORANT_TOLERANCE)) return false;
  }
  return ['rTRC', 'gTRC', 'bTRC'].every((signature) => {
    const at = tags.get(signature);
    const curve = at === undefined ? undefined : readCurve(view, at);
    return (
      curve !== undefined &&
      CURVE_SAMPLES.every((v) => Math.abs(curve(v) - srgbToLinear(v)) <= CURVE_TOLERANCE)
    );
  });
}

/** Tag signature → offset of its data. */
function tagTable(view: DataView): Map<string, number> {
  const tags = new Map<string, number>();
  const count = view.getUint32(128);
  for (let i = 0; i < count; i++) {
    const entry = 132 + 12 * i;
    const offset = view.getUint32(entry + 4);
    if (offset + 12 > view.byteLength) throw new RangeError('tag outside the profile');
    tags.set(ascii(view, entry, 4), offset);
  }
  return tags;
}

/** A `curv` (table or gamma) or `para` (parametric) tone curve, or undefined for any other type. */
function readCurve(view: DataView, at: number): Curve | undefined {
  const type = ascii(view, at, 4);
  if (type === 'curv') {
    const count = view.getUint32(at + 8);
    if (count === 0) return (v) => v;
    if (count === 1) {
      const gamma = view.getUint16(at + 12) / 256;
      return (v) => v ** gamma;
    }
    // Read at the sampled points only: a table has 1,024 entries or more, per channel.
    const entry = (i: number) => view.getUint16(at + 12 + 2 * i) / 65535;
    return (v) => {
      const x = v * (count - 1);
      const i = Math.min(Math.floor(x), count - 2);
      return entry(i) + (x - i) * (entry(i + 1) - entry(i));
    };
  }
  if (type === 'para') {
    const kind = view.getUint16(at + 8);
    const arity = [1, 3, 4, 5, 7][kind];
    if (arity === undefined) return undefined;
    const p = Array.from({ length: arity }, (_, i) => view.getInt32(at + 12 + 4 * i) / 65536);
    const [g = 1, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = p;
    switch (kind) {
      case 0:
        return (v) => v ** g;
      case 1:
        return (v) => (v >= -b / a ? (a * v + b) ** g : 0);
      case 2:
        return (v) => (v >= -b / a ? (a * v + b) ** g + c : c);
      case 3:
        return (v) => (v >= d ? (a * v + b) ** g : c * v);
      default:
        return (v) => (v >= d ? (a * v + b) ** g + e : c * v + f);
    }
  }
  return undefined;
}

function ascii(view: DataView, at: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(view.getUint8(at + i));
  return text;
}
