import { describe, expect, it } from 'vitest';
import { ApiError, describeError, errorFromResponse } from '../../web/src/errors.ts';

describe('errorFromResponse', () => {
  it("reads the API's JSON error, with the photo it is about", () => {
    const error = errorFromResponse(422, {
      error: { code: 'NoFaceDetected', message: 'No face in target.', image: 'target' },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect([error.code, error.status, error.message, error.image]).toEqual([
      'NoFaceDetected',
      422,
      'No face in target.',
      'target',
    ]);
  });

  it("falls back to the status when the body is not the API's", () => {
    expect(errorFromResponse(413, '<html>').code).toBe('ImageTooLarge');
    expect(errorFromResponse(401, { message: 'Unauthorized' }).code).toBe('Unauthorized');
    expect(errorFromResponse(429, undefined).code).toBe('TooManyRequests');
    expect(errorFromResponse(502, { message: 'Internal Server Error' }).code).toBe('ServerError');
    expect(errorFromResponse(418, {}).code).toBe('HttpError');
    expect(errorFromResponse(400, { error: { code: 'Weird', message: 'x', image: 'other' } })).toMatchObject({
      code: 'HttpError',
      image: undefined,
    });
  });
});

describe('describeError', () => {
  const api = (code: ConstructorParameters<typeof ApiError>[0], image?: 'source' | 'target') =>
    new ApiError(code, 'The API says why.', 400, image);

  it('says which photo has no face', () => {
    expect(describeError(api('NoFaceDetected'))).toMatch(/^No face found in this photo\./);
    expect(describeError(api('NoFaceDetected', 'source'))).toMatch(/^No face found in the first photo\./);
    expect(describeError(api('NoFaceDetected', 'target'))).toMatch(/^No face found in the second photo\./);
  });

  it('says when a file is not an image', () => {
    expect(describeError(api('InvalidImage'))).toBe(
      'This photo is not an image the service can read. Use a JPEG, PNG or WebP photo.',
    );
    expect(describeError(api('UnsupportedMediaType', 'target'))).toMatch(/^The second photo is not an image/);
  });

  it('explains network errors without jargon', () => {
    expect(describeError(new ApiError('NetworkError', 'Failed to fetch', 0))).toBe(
      'Could not reach the service. Check your connection and try again.',
    );
  });

  it("adds the API's message where it says more", () => {
    expect(describeError(api('ImageTooSmall'))).toBe(
      'This photo is too small to find a face in. The API says why.',
    );
  });

  it('reports page bugs as such', () => {
    expect(describeError(new Error('boom'))).toBe('Something went wrong in the page: boom');
  });
});

describe('the local server at its limit', () => {
  it('reads 503 Busy as busy, not as a fault, and says to try again', () => {
    const error = errorFromResponse(503, { error: { code: 'Busy', message: 'The server is busy.' } });
    expect(error.code).toBe('Busy');
    expect(describeError(error)).toBe(
      'The service is busy with other photos right now. Try again in a moment.',
    );
    // A 503 without the API's body stays a server error.
    expect(errorFromResponse(503, '<html>').code).toBe('ServerError');
  });
});

describe('collections', () => {
  it('says what a missing collection, a missing face and another model mean, and what to do', () => {
    const api = (code: ConstructorParameters<typeof ApiError>[0], status: number) =>
      describeError(new ApiError(code, 'The API says why.', status));
    expect(api('CollectionNotFound', 404)).toBe(
      'This collection does not exist (any more): it may have been deleted. Choose or create another.',
    );
    expect(api('FaceNotFound', 404)).toMatch(/^That face is not enrolled/);
    expect(api('ModelMismatch', 409)).toMatch(/another face model.*enrol its people again from their photos/);
    expect(errorFromResponse(409, { error: { code: 'ModelMismatch', message: 'x' } }).code).toBe(
      'ModelMismatch',
    );
    const refused = errorFromResponse(422, {
      error: { code: 'PoorFaceQuality', message: 'x', reason: 'LowQuality', image: 'image' },
    });
    expect(refused.code).toBe('PoorFaceQuality');
    expect(describeError(refused)).toMatch(/too small, turned away or blurred to enrol.*sharper photo/);
  });
});
