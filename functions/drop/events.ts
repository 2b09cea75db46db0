/**
 * S3 event notifications as the drop handler receives them: in an SQS message body, keys URL-encoded
 * the way S3 encodes them (form encoding: `+` for a space, `%XX` for UTF-8 bytes).
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';

/** One object created, its key decoded. The ETag is absent from some events (s3rver's copies). */
export interface ObjectCreated {
  bucket: string;
  key: string;
  eTag?: string;
}

/**
 * The objects a message announces. The `s3:TestEvent` S3 sends when the notification is configured
 * announces none; a body that is not an S3 notification throws, so its message is retried and parked.
 */
export function objectsCreated(body: string): ObjectCreated[] {
  const message = JSON.parse(body) as Partial<S3Event> & { Event?: string };
  if (message.Event === 's3:TestEvent') return [];
  if (!Array.isArray(message.Records)) throw new Error('the message is not an S3 event notification');
  return message.Records.filter((record) => record.eventName.startsWith('ObjectCreated:')).map((record) => ({
    bucket: record.s3.bucket.name,
    key: decodeEventKey(record.s3.object.key),
    ...(record.s3.object.eTag && { eTag: record.s3.object.eTag }),
  }));
}

export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  eventName?: string;
  region?: string;
}

/** The record S3 would send for an object created: what the local watcher and the tests deliver. */
export function objectCreatedRecord(object: CreatedObject): S3EventRecord {
  const now = new Date();
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: object.region ?? 'us-east-1',
    eventTime: now.toISOString(),
    eventName: object.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'faceverify-drop-local',
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: 'LOCAL' },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: encodeEventKey(object.key),
        size: object.size,
        eTag: object.eTag ?? '',
        sequencer: now.getTime().toString(16).toUpperCase(),
      },
    },
  };
}
