/** Sizes as people read them, and the one check of an image's size before it is read or decoded. */
import { type ErrorDetails, FaceVerifyError } from './errors.ts';

/** `20.0 MiB` */
export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** ImageTooLarge when `bytes` is over `maxBytes` (`photo.jpg is 25.0 MiB; the limit is 20.0 MiB.`), else undefined. */
export function imageSizeError(
  name: string,
  bytes: number,
  maxBytes: number,
  details?: ErrorDetails,
): FaceVerifyError | undefined {
  if (bytes <= maxBytes) return undefined;
  const message = `${name} is ${mebibytes(bytes)}; the limit is ${mebibytes(maxBytes)}.`;
  return new FaceVerifyError('ImageTooLarge', message, details && { details });
}
