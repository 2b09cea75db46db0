import { describe, expect, it } from 'vitest';
import {
  decodeEventKey,
  encodeEventKey,
  objectCreatedRecord,
  objectsCreated,
} from '../../functions/drop/events.ts';

describe('S3 event keys', () => {
  it('decodes form encoding: + is a space, %XX are UTF-8 bytes', () => {
    expect(decodeEventKey('incoming/front+door/visitor+1.jpg')).toBe('incoming/front door/visitor 1.jpg');
    expect(decodeEventKey('incoming/p/Zo%C3%AB+%E6%9D%B1%E4%BA%AC%2B1.jpg')).toBe(
      'incoming/p/Zoë 東京+1.jpg',
    );
  });

  it('encodes as S3 does, and round-trips', () => {
    const key = 'incoming/pair 7/Zoë 東京+1 (2).jpg';
    expect(encodeEventKey('incoming/front door/visitor 1.jpg')).toBe('incoming/front+door/visitor+1.jpg');
    expect(decodeEventKey(encodeEventKey(key))).toBe(key);
  });
});

describe('objectsCreated', () => {
  it('reads the objects of a notification, keys decoded', () => {
    const record = objectCreatedRecord({ bucket: 'drop', key: 'incoming/p 1/a.jpg', size: 3, eTag: 'abc' });
    expect(objectsCreated(JSON.stringify({ Records: [record] }))).toEqual([
      { bucket: 'drop', key: 'incoming/p 1/a.jpg', eTag: 'abc' },
    ]);
  });

  it('announces nothing for the s3:TestEvent or a removal, and refuses what is not a notification', () => {
    expect(objectsCreated(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }))).toEqual([]);
    const removed = {
      ...objectCreatedRecord({ bucket: 'drop', key: 'incoming/a', size: 0 }),
      eventName: 'ObjectRemoved:Delete',
    };
    expect(objectsCreated(JSON.stringify({ Records: [removed] }))).toEqual([]);
    expect(() => objectsCreated('{"hello":1}')).toThrow('not an S3 event notification');
    expect(() => objectsCreated('not json')).toThrow();
  });
});
