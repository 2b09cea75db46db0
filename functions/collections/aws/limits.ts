/**
 * Amazon S3 Vectors' documented limits that this store's requests must respect, from the Amazon S3
 * User Guide, "Limitations and restrictions" (docs.aws.amazon.com/AmazonS3/latest/userguide/
 * s3-vectors-limitations.html, read 2026-12-06), and the API reference's shapes
 * (docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_S3_Vectors.html).
 */
export const S3_VECTORS_LIMITS = {
  /** "Vectors per PutVectors API call: Up to 500". */
  putBatch: 500,
  /** "Vectors per DeleteVectors API call: Up to 500". */
  deleteBatch: 500,
  /** "Top-K results per QueryVectors request: Up to 100". */
  topK: 100,
  /** "Dimension value per vector: 1 to 4,096". */
  maxDimension: 4096,
  /** "Filterable metadata per vector: Up to 2 KB". */
  filterableMetadataBytes: 2048,
  /** "Total metadata per vector: Up to 40 KB (filterable + non-filterable)". */
  totalMetadataBytes: 40 * 1024,
  /** "Total metadata keys per vector: Up to 50". */
  metadataKeys: 50,
  /** "Non-filterable metadata keys per vector index: Up to 10". */
  nonFilterableKeys: 10,
  /** "Request payload size: Up to 20 MiB". */
  payloadBytes: 20 * 1024 * 1024,
  /** API reference: a vector's key is 1 to 1,024 characters. */
  keyLength: 1024,
  /** Index names: 3 to 63 characters, lowercase letters, digits, dots and dashes, a letter or digit at each end. */
  indexNamePattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  /** Vector bucket names: 3 to 63 characters, lowercase letters, digits and dashes, a letter or digit at each end. */
  bucketNamePattern: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
} as const;
