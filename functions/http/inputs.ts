/**
 * The three ways a request carries its images: a JSON object (base64 or `{ s3 }` per image field),
 * multipart/form-data (one file per image field), or, for a single image, the raw body.
 * Options come from the query string and the body's other fields (the body wins).
 */
import { FaceVerifyError } from '../core/errors.ts';
import { type HttpRequest, parseJson, parseMultipart } from './request.ts';

export interface ImageRequest<F extends string> {
  /** Per image field: bytes (raw, multipart) or the JSON value, for an ImageFieldReader (images.ts). */
  images: Record<F, unknown>;
  fields: Record<string, unknown>;
}

export async function readImageRequest<F extends string>(
  request: HttpRequest,
  imageFields: readonly [F, ...F[]],
): Promise<ImageRequest<F>> {
  const query = Object.fromEntries(request.query);
  const type = request.mediaType;
  if (type === 'application/json' || type?.endsWith('+json')) {
    const body = parseJson(request);
    return { images: pick(imageFields, (field) => body[field]), fields: { ...query, ...body } };
  }
  if (type === 'multipart/form-data') {
    const form = await parseMultipart(request);
    const files = await Promise.all(imageFields.map((field) => fileBytes(form, field)));
    const text = [...form].filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    return {
      images: pick(imageFields, (_, i) => files[i]),
      fields: { ...query, ...Object.fromEntries(text) },
    };
  }
  const [only, ...more] = imageFields;
  if (
    more.length === 0 &&
    (type === undefined || type.startsWith('image/') || type === 'application/octet-stream')
  ) {
    return { images: { [only]: request.body } as Record<F, unknown>, fields: query };
  }
  const forms = more.length === 0 ? 'the image itself (image/*), application/json or' : 'application/json or';
  throw new FaceVerifyError(
    'UnsupportedMediaType',
    `Content-Type ${type ?? '(none)'} is not accepted here: send ${forms} multipart/form-data.`,
  );
}

function pick<F extends string>(
  fields: readonly F[],
  value: (field: F, i: number) => unknown,
): Record<F, unknown> {
  const images = {} as Record<F, unknown>;
  fields.forEach((field, i) => {
    const image = value(field, i);
    if (image === undefined || image === null) {
      throw new FaceVerifyError('InvalidRequest', `The request has no \`${field}\` image.`);
    }
    images[field] = image;
  });
  return images;
}

async function fileBytes(form: FormData, field: string): Promise<Uint8Array | undefined> {
  const entry = form.get(field);
  if (entry === null) return undefined;
  if (typeof entry === 'string') {
    throw new FaceVerifyError('InvalidRequest', `\`${field}\` must be a file field, not text.`);
  }
  return new Uint8Array(await entry.arrayBuffer());
}
