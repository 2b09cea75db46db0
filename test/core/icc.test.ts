import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isSrgbProfile, srgbToLinear } from '../../functions/core/icc.ts';
import { fromRgb, quadrants } from './fixtures.ts';

const SAMPLE = new URL('../../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url);

/** The profile sharp embeds for one of its named profiles. */
async function sharpProfile(name: 'srgb' | 'p3' | 'cmyk'): Promise<Uint8Array> {
  const pipeline = fromRgb(quadrants(8, 8));
  const bytes = await (name === 'cmyk' ? pipeline.toColourspace('cmyk') : pipeline)
    .withIccProfile(name)
    .jpeg()
    .toBuffer();
  const { icc } = await sharp(bytes).metadata();
  if (!icc) throw new Error(`sharp embedded no ${name} profile`);
  return icc;
}

type Curve = { curv: number[] } | { para: number[] };

const fixed = (v: number) => Math.round(v * 65536);

function xyzTag(xyz: readonly number[]): Uint8Array {
  const tag = new DataView(new ArrayBuffer(20));
  for (const [i, v] of xyz.entries()) tag.setInt32(8 + 4 * i, fixed(v));
  return withType('XYZ ', tag);
}

function curveTag(curve: Curve): Uint8Array {
  if ('curv' in curve) {
    const tag = new DataView(new ArrayBuffer(12 + 2 * curve.curv.length));
    tag.setUint32(8, curve.curv.length);
    for (const [i, v] of curve.curv.entries()) tag.setUint16(12 + 2 * i, v);
    return withType('curv', tag);
  }
  const [kind = 0, ...params] = curve.para;
  const tag = new DataView(new ArrayBuffer(12 + 4 * params.length));
  tag.setUint16(8, kind);
  for (const [i, v] of params.entries()) tag.setInt32(12 + 4 * i, fixed(v));
  return withType('para', tag);
}

/** A minimal RGB → XYZ matrix/TRC display profile: three colorants and one curve for all channels. */
function profile(colorants: number[][], curve: Curve, space = 'RGB '): Uint8Array {
  const trc = curveTag(curve);
  const tags: [string, Uint8Array][] = [
    ['rXYZ', xyzTag(colorants[0] as number[])],
    ['gXYZ', xyzTag(colorants[1] as number[])],
    ['bXYZ', xyzTag(colorants[2] as number[])],
    ['rTRC', trc],
    ['gTRC', trc],
    ['bTRC', trc],
  ];
  let offset = 132 + 12 * tags.length;
  const size = offset + tags.reduce((n, [, data]) => n + data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, size);
  out.set(ascii(space), 16);
  out.set(ascii('XYZ '), 20);
  view.setUint32(128, tags.length);
  for (const [i, [signature, data]] of tags.entries()) {
    out.set(ascii(signature), 132 + 12 * i);
    view.setUint32(136 + 12 * i, offset);
    view.setUint32(140 + 12 * i, data.length);
    out.set(data, offset);
    offset += data.length;
  }
  return out;
}

function withType(type: string, tag: DataView): Uint8Array {
  const bytes = new Uint8Array(tag.buffer);
  bytes.set(ascii(type), 0);
  return bytes;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const SRGB = [
  [0.4361, 0.2225, 0.0139],
  [0.3851, 0.7169, 0.0971],
  [0.1431, 0.0606, 0.7141],
];
const DISPLAY_P3 = [
  [0.5151, 0.2412, -0.0011],
  [0.292, 0.6922, 0.0419],
  [0.1571, 0.0666, 0.7841],
];
/** sRGB's curve as ICC parametric function 3: (a·v + b)^g above d, c·v below. */
const SRGB_PARA = [3, 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045];
const srgbTable = (n: number) =>
  Array.from({ length: n }, (_, i) => Math.round(srgbToLinear(i / (n - 1)) * 65535));

describe('isSrgbProfile', () => {
  it('recognises the sRGB profiles real files carry: sharp’s own and a camera JPEG’s (sRGB IEC61966-2.1)', async () => {
    expect(isSrgbProfile(await sharpProfile('srgb'))).toBe(true);
    const { icc } = await sharp(await readFile(SAMPLE)).metadata();
    expect(isSrgbProfile(icc as Uint8Array)).toBe(true);
  });

  it('refuses Display P3 and CMYK profiles', async () => {
    expect(isSrgbProfile(await sharpProfile('p3'))).toBe(false);
    expect(isSrgbProfile(await sharpProfile('cmyk'))).toBe(false);
  });

  it('accepts sRGB colorants with sRGB’s curve as a parametric function or a table', () => {
    expect(isSrgbProfile(profile(SRGB, { para: SRGB_PARA }))).toBe(true);
    expect(isSrgbProfile(profile(SRGB, { curv: srgbTable(1024) }))).toBe(true);
  });

  it('refuses other primaries, other curves and other colour spaces', () => {
    expect(isSrgbProfile(profile(DISPLAY_P3, { para: SRGB_PARA }))).toBe(false);
    // Gamma 2.2 is close to sRGB's curve but maps some 8-bit values more than one level apart.
    expect(isSrgbProfile(profile(SRGB, { curv: [Math.round(2.2 * 256)] }))).toBe(false);
    expect(isSrgbProfile(profile(SRGB, { para: [0, 1.8] }))).toBe(false);
    expect(isSrgbProfile(profile(SRGB, { curv: [] }))).toBe(false); // linear
    expect(isSrgbProfile(profile(SRGB, { curv: srgbTable(1024) }, 'GRAY'))).toBe(false);
  });

  it('refuses truncated and empty profiles instead of throwing', () => {
    const whole = profile(SRGB, { para: SRGB_PARA });
    expect(isSrgbProfile(whole.subarray(0, 140))).toBe(false);
    expect(isSrgbProfile(whole.subarray(0, whole.length - 30))).toBe(false);
    expect(isSrgbProfile(new Uint8Array(0))).toBe(false);
  });
});
