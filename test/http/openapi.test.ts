import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECT_OPTIONS } from '../../functions/core/detector.ts';
import { ERROR_STATUS } from '../../functions/core/errors.ts';
import document from '../../functions/http/openapi.json' with { type: 'json' };
import { assertConforms, responseSchema, validate } from './openapi.ts';

const face = {
  box: { x: 1, y: 2, width: 30, height: 30 },
  score: 0.9,
  landmarks: { leftEye: [5, 6], rightEye: [15, 6], nose: [10, 12], mouthLeft: [6, 20], mouthRight: [14, 20] },
  headPose: { yaw: 12.5, pitch: -3, roll: 1.2 },
  quality: { sharpness: 40.1, brightness: 51.3, score: 0.93 },
};
const model = { detector: { name: 'd', version: '1' }, embedder: { name: 'e', version: '2' } };
const timings = { decode: 1, detect: 2, align: 0, embed: 0, total: 3 };
const detected = { width: 64, height: 48, faces: [face], model, timings };

function refs(node: unknown): string[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => (key === '$ref' ? [value as string] : refs(value)));
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and every $ref in it resolves', () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const all = refs(document);
    expect(all.length).toBeGreaterThan(20);
    for (const ref of all) expect(() => validate({ $ref: ref }, null), ref).not.toThrow(/unresolved/);
  });

  it("states the engine's detect defaults", () => {
    const { minScore, maxFaces } = document.components.parameters;
    expect(document.components.schemas.MinScore.default).toBe(DEFAULT_DETECT_OPTIONS.minScore);
    expect(minScore.description).toContain(`(default ${DEFAULT_DETECT_OPTIONS.minScore})`);
    expect(maxFaces.description).toContain(`(default ${DEFAULT_DETECT_OPTIONS.maxFaces})`);
  });

  it('lists exactly the error codes the service produces', () => {
    const codes = document.components.schemas.Error.properties.error.properties.code.enum;
    expect([...codes].sort()).toEqual(
      [...Object.keys(ERROR_STATUS), 'MethodNotAllowed', 'InternalError', 'Unauthorized'].sort(),
    );
  });
});

describe('response conformance checks', () => {
  it('accept a body the document describes', () => {
    expect(() => assertConforms('POST /detect', 200, detected)).not.toThrow();
    const error = { error: { code: 'NoFaceDetected', message: 'No face.', image: 'target' } };
    expect(() => assertConforms('POST /verify', 422, error)).not.toThrow();
  });

  it('catch an undocumented field, such as an embedding leaking into a face', () => {
    const leaky = { ...detected, faces: [{ ...face, embedding: [0.1, 0.2] }] };
    expect(validate(responseSchema('POST /detect', 200), leaky)).toEqual([
      '$.faces[0]: has undocumented property embedding',
    ]);
  });

  it('catch missing fields, wrong types and unknown error codes', () => {
    const { model: _, ...modelless } = detected;
    expect(validate(responseSchema('POST /detect', 200), modelless)).toEqual(['$: lacks model']);
    const { headPose: _pose, ...poseless } = face;
    expect(validate(responseSchema('POST /detect', 200), { ...detected, faces: [poseless] })).toEqual([
      '$.faces[0]: lacks headPose',
    ]);
    const turned = { ...face, headPose: { yaw: 120, pitch: 0, roll: 0 } };
    expect(validate(responseSchema('POST /detect', 200), { ...detected, faces: [turned] })).toEqual([
      '$.faces[0].headPose.yaw: 120 > 90',
    ]);
    expect(validate(responseSchema('POST /detect', 200), { ...detected, width: '64' })).toEqual([
      '$.width: is string, not integer',
    ]);
    expect(
      validate(responseSchema('POST /detect', 400), { error: { code: 'Oops', message: '' } }),
    ).toHaveLength(1);
    expect(() => responseSchema('POST /detect', 422)).toThrow(/no 422 response/);
  });
});
