/**
 * Collections belong to their caller with FACEVERIFY_AUTH=jwt: the local server with the development
 * OpenID Provider, user A signed in through it, user B holding a token the provider's key signed for
 * another subject. B gets 404 for everything of A's, never the data, and sees none of it listed; B's
 * collection of the same name is B's own; without a token every collection route is 401.
 */
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLIENT_ID } from '../../functions/local/dev-auth.ts';
import type { LocalServer } from '../../functions/local/server.ts';
import { logger } from '../../functions/shared/observability.ts';
import { mintToken, startAuthServer, TEST_USER } from './auth-server.ts';
import { assertConforms } from './openapi.ts';
import { cropJpeg, demoPhoto } from './photos.ts';
import { signIn } from './sign-in.ts';

let server: LocalServer;
let alice: string;
let bob: string;
let portrait: Buffer;

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string } };
}

async function call(
  token: string | undefined,
  method: string,
  template: string,
  params: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const headers: Record<string, string> = {
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
    ...(body !== undefined && { 'content-type': 'application/json' }),
  };
  const response = await fetch(new URL(path, server.url), {
    method,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return { status: 204, body: {} };
  const json = await response.json();
  assertConforms(`${method} ${template}`, response.status, json);
  return { status: response.status, body: json };
}

const image = () => portrait.toString('base64');

/** Every route of one collection, as `token`'s holder would call it. */
function everyRoute(token: string | undefined, collectionId: string) {
  const one = { collectionId };
  return {
    get: () => call(token, 'GET', '/collections/{collectionId}', one),
    search: () => call(token, 'POST', '/collections/{collectionId}/search', one, { image: image() }),
    enrol: () =>
      call(token, 'POST', '/collections/{collectionId}/faces', one, { image: image(), externalId: 'eve' }),
    faces: () => call(token, 'GET', '/collections/{collectionId}/faces', one),
    forget: () =>
      call(token, 'DELETE', '/collections/{collectionId}/subjects/{externalId}', {
        ...one,
        externalId: 'ada',
      }),
    deleteFace: (faceId: string) =>
      call(token, 'DELETE', '/collections/{collectionId}/faces/{faceId}', { ...one, faceId }),
    delete: () => call(token, 'DELETE', '/collections/{collectionId}', one),
  };
}

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  logger.setLogLevel('ERROR');
  server = await startAuthServer();
  const issuer = server.auth?.idp.issuer ?? '';
  const tokens = await signIn({ issuer, clientId: DEV_CLIENT_ID, redirectUri: server.url, ...TEST_USER });
  alice = tokens.access_token;
  const claims = JSON.parse(Buffer.from(alice.split('.')[1] ?? '', 'base64url').toString()) as JWTPayload;
  bob = await mintToken(server, claims, { sub: `not-${claims.sub}`, email: 'bob@faceverify.test' });
  const group = await demoPhoto(1, 640);
  const detected = await fetch(new URL('/detect', server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${alice}`, 'content-type': 'image/jpeg' },
    body: new Uint8Array(group),
  });
  const [face] = (
    (await detected.json()) as { faces: { box: { x: number; y: number; width: number; height: number } }[] }
  ).faces;
  if (!face) throw new Error('no face in the demo photo');
  portrait = await cropJpeg(group, face.box);
});

afterAll(async () => {
  await server?.stop();
});

describe('collections with FACEVERIFY_AUTH=jwt', () => {
  let faceId: string;

  it("are the caller's: A creates one, enrols and finds the face", async () => {
    const a = everyRoute(alice, 'door');
    expect((await call(alice, 'PUT', '/collections/{collectionId}', { collectionId: 'door' })).status).toBe(
      201,
    );
    const enrolled = await call(
      alice,
      'POST',
      '/collections/{collectionId}/faces',
      { collectionId: 'door' },
      {
        image: image(),
        externalId: 'ada',
      },
    );
    expect(enrolled.status).toBe(201);
    faceId = (enrolled.body.faces as { faceId: string }[])[0]?.faceId as string;
    const found = await a.search();
    expect((found.body.matches as { externalId: string; match: boolean }[])[0]).toMatchObject({
      externalId: 'ada',
      match: true,
    });
    const listed = await call(alice, 'GET', '/collections');
    expect((listed.body.collections as { collectionId: string }[]).map((c) => c.collectionId)).toEqual([
      'door',
    ]);
  });

  it("are 404 CollectionNotFound to another user on every route, and not in that user's list", async () => {
    const b = everyRoute(bob, 'door');
    for (const answer of [
      await b.get(),
      await b.search(),
      await b.enrol(),
      await b.faces(),
      await b.forget(),
      await b.deleteFace(faceId),
      await b.delete(),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error?.code).toBe('CollectionNotFound');
      expect(JSON.stringify(answer.body)).not.toContain(faceId);
    }
    expect((await call(bob, 'GET', '/collections')).body).toEqual({ collections: [] });
    // Nothing B tried reached A's collection.
    const a = everyRoute(alice, 'door');
    expect((await a.get()).body).toMatchObject({ faceCount: 1, subjectCount: 1 });
    expect(((await a.faces()).body.faces as { faceId: string }[]).map((f) => f.faceId)).toEqual([faceId]);
  });

  it("give another user a collection of the same name that is their own, apart from A's", async () => {
    const made = await call(bob, 'PUT', '/collections/{collectionId}', { collectionId: 'door' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ collectionId: 'door', faceCount: 0 });
    const b = everyRoute(bob, 'door');
    expect((await b.search()).body).toMatchObject({ matches: [], fpir: 0, faceCount: 0 });
    expect((await b.delete()).status).toBe(204);
    expect((await everyRoute(alice, 'door').get()).body).toMatchObject({ faceCount: 1 });
  });

  it('answer 401 without a token on every route, before anything runs', async () => {
    const anyone = everyRoute(undefined, 'door');
    for (const answer of [
      await call(undefined, 'GET', '/collections'),
      await call(undefined, 'PUT', '/collections/{collectionId}', { collectionId: 'door' }),
      await anyone.get(),
      await anyone.search(),
      await anyone.enrol(),
      await anyone.faces(),
      await anyone.forget(),
      await anyone.deleteFace(faceId),
      await anyone.delete(),
    ]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('Unauthorized');
    }
    expect((await everyRoute(alice, 'door').get()).body).toMatchObject({ faceCount: 1 });
    expect((await everyRoute(alice, 'door').delete()).status).toBe(204);
  });
});
