/** Browser-only: decode a photo upright (EXIF applied) and re-encode it as a JPEG under a byte budget. */
import { fitWithin, RESIZE_MAX_SIDE, RESIZE_QUALITY, shrinkFor } from './limits.ts';
import type { Size } from './types.ts';

const MAX_ATTEMPTS = 5;

function encode(bitmap: ImageBitmap, size: Size): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext('2d');
  if (!context) return Promise.reject(new Error('This browser cannot draw on a canvas.'));
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('The photo could not be re-encoded.'))),
      'image/jpeg',
      RESIZE_QUALITY,
    );
  });
}

export async function shrinkToBudget(file: Blob, budget: number): Promise<Blob> {
  // Rejects for what the browser cannot decode; the caller then falls back to /uploads.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    let size = fitWithin({ width: bitmap.width, height: bitmap.height }, RESIZE_MAX_SIDE);
    for (let attempt = 1; ; attempt++) {
      const blob = await encode(bitmap, size);
      if (blob.size <= budget || attempt === MAX_ATTEMPTS) return blob;
      size = shrinkFor(size, blob.size, budget);
    }
  } finally {
    bitmap.close();
  }
}
