/**
 * The page in a real browser (Debian's chromium via playwright-core) against the real local server: each
 * mode with real photos, the no-face, not-an-image and network messages, the threshold slider, a photo
 * with rotated EXIF, an oversized photo, keyboard use and phone width. Screenshots of each go to
 * test-results/web/ (not committed): look at them.
 */
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DIRECT_LIMIT_BYTES } from '../../web/src/limits.ts';
import type { DetectResponse, VerifyResponse } from '../../web/src/types.ts';
import { chromiumMissing } from './browser.ts';
import { faceCutout, faceless, oversized, rotatedExif, samplePath, uncompressedTiff } from './photos.ts';
import { pageSession, poll } from './session.ts';

const missing = chromiumMissing();
if (missing) console.warn(`test/web/page.test.ts skipped: ${missing}`);

interface OverlayFace {
  box: { x: number; y: number; width: number; height: number };
  landmarks: number;
  label: string;
}

/** The drawn faces of a panel's (first or nth) photo, in display pixels, and the photo's displayed size. */
async function overlay(
  photo: Locator,
): Promise<{ faces: OverlayFace[]; display: { width: number; height: number } }> {
  return photo.evaluate((figure) => {
    const img = figure.querySelector('img') as HTMLImageElement;
    const faces = Array.from(figure.querySelectorAll('svg g.face')).map((g) => {
      const rect = g.querySelector('rect.box') as SVGRectElement;
      const n = (name: string) => Number(rect.getAttribute(name));
      return {
        box: { x: n('x'), y: n('y'), width: n('width'), height: n('height') },
        landmarks: g.querySelectorAll('circle.landmark').length,
        label: g.querySelector('text')?.textContent ?? '',
      };
    });
    return { faces, display: { width: img.clientWidth, height: img.clientHeight } };
  });
}

function expectClose(actual: number, expected: number, tolerance = 0.75): void {
  expect(Math.abs(actual - expected), `${actual} ≈ ${expected}`).toBeLessThanOrEqual(tolerance);
}

/** Each API face, scaled to the display, is the box drawn over the photo. */
function expectOverlayMatches(drawn: Awaited<ReturnType<typeof overlay>>, result: DetectResponse): void {
  expect(drawn.faces).toHaveLength(result.faces.length);
  const sx = drawn.display.width / result.width;
  const sy = drawn.display.height / result.height;
  expectClose(sx, sy, 0.01);
  for (const [i, face] of result.faces.entries()) {
    const box = drawn.faces[i]?.box;
    if (!box) throw new Error(`face ${i + 1} not drawn`);
    expectClose(box.x, Math.max(0, face.box.x * sx));
    expectClose(box.y, Math.max(0, face.box.y * sy));
    expect(drawn.faces[i]?.landmarks).toBe(5);
  }
}

describe.skipIf(missing !== undefined)('the web page in chromium', () => {
  const session = pageSession();
  let page: Page;
  const open = async (hash?: string, viewport?: { width: number; height: number }) => {
    page = await session.open(hash, viewport);
    return page;
  };
  const { shot, nextCall, apiCallCount } = session;

  it('Face Detection: a sample photo with every face boxed, its 5 landmarks, scores and the count', async () => {
    await open();
    const panel = page.locator('#panel-detect');
    const detected = await nextCall('/detect');
    await panel.getByRole('button', { name: /^Sample 1:/ }).click();
    const call = await detected();
    expect([call.method, call.contentType, call.search]).toEqual(['POST', 'image/jpeg', '']);
    const result = call.json as DetectResponse;
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    await poll(() => panel.locator('.status').textContent()).toBe(`${result.faces.length} faces found.`);
    const drawn = await overlay(panel.locator('figure.photo'));
    expectOverlayMatches(drawn, result);
    expect(drawn.faces[0]?.label).toBe(`1 · ${result.faces[0]?.score.toFixed(2)}`);
    await poll(() => panel.getByRole('list', { name: 'Faces found' }).getByRole('listitem').count()).toBe(
      result.faces.length,
    );
    // Each face's head pose and quality, in words.
    const first = result.faces[0] as DetectResponse['faces'][0];
    const item = await panel
      .getByRole('list', { name: 'Faces found' })
      .getByRole('listitem')
      .first()
      .textContent();
    expect(item).toContain(`yaw ${Math.round(first.headPose?.yaw ?? Number.NaN)}°`);
    expect(item).toContain(`roll ${Math.round(first.headPose?.roll ?? Number.NaN)}°`);
    expect(item).toContain(
      `quality ${first.quality?.score.toFixed(2)} (sharpness ${Math.round(first.quality?.sharpness ?? Number.NaN)}`,
    );
    await shot('detect');
  });

  it('Face Detection 2: an uploaded photo beside the aligned crops of its faces', async () => {
    await open('#crops');
    const panel = page.locator('#panel-crops');
    const detected = await nextCall('/detect');
    await panel.getByLabel('Photo: choose a file…').setInputFiles(samplePath(4));
    const call = await detected();
    expect(call.search).toBe('?crops=true');
    const result = call.json as DetectResponse;
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    const crops = panel.getByRole('list', { name: 'Aligned face crops' }).getByRole('img');
    await poll(() => crops.count()).toBe(result.faces.length);
    await poll(() =>
      crops.evaluateAll((imgs) => imgs.every((img) => (img as HTMLImageElement).naturalWidth > 0)),
    ).toBe(true);
    expectOverlayMatches(await overlay(panel.locator('figure.photo')), result);
    await shot('crops');
  });

  it('Face Verification: the same person, each face outlined, and the slider re-deciding without a request', async () => {
    // The largest face of sample 1, cut out: the same person as sample 1's largest face.
    const detected = (await (
      await fetch(new URL('detect', session.server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'image/jpeg' },
        body: await readFile(samplePath(1)),
      })
    ).json()) as DetectResponse;
    const largest = [...detected.faces].sort(
      (a, b) => b.box.width * b.box.height - a.box.width * a.box.height,
    )[0];
    if (!largest) throw new Error('no face in sample 1');
    const cutout = await faceCutout(1, largest.box);

    await open('#verify');
    const panel = page.locator('#panel-verify');
    const verified = await nextCall('/verify');
    await panel
      .getByLabel('First photo: choose a file…')
      .setInputFiles({ name: 'cutout.jpg', mimeType: 'image/jpeg', buffer: cutout });
    await panel
      .getByRole('group', { name: /Second photo/ })
      .getByRole('button', { name: /^Sample 1:/ })
      .click();
    const call = await verified();
    expect(call.contentType).toBe('application/json');
    const result = call.json as VerifyResponse;
    expect(result.match).toBe(true);

    const verdict = panel.locator('.verdict');
    await poll(() => verdict.locator('.verdict-label').textContent()).toBe('Same person');
    const numbers = await verdict.locator('.verdict-numbers').textContent();
    expect(numbers).toContain(`similarity ${result.similarity.toFixed(2)}`);
    expect(numbers).toContain(`threshold ${result.threshold.toFixed(2)}`);
    expect(await verdict.locator('.verdict-far').textContent()).toContain(
      `(false-accept rate ${result.far})`,
    );
    // Said in words only when a compared face is poor.
    expect(await verdict.locator('.verdict-quality').isVisible()).toBe((result.poorFaces ?? []).length > 0);
    expect(await verdict.locator('.verdict-explanation').textContent()).toMatch(
      /^Similarity is the cosine of the angle between the two face embeddings: 1 means identical; at or above the threshold \(\d\.\d\d\) the faces are judged the same person\.$/,
    );
    for (const figure of await panel.locator('figure.photo').all()) {
      const drawn = await overlay(figure);
      expect(drawn.faces).toHaveLength(1);
      expect(drawn.faces[0]?.landmarks).toBe(5);
    }
    await shot('verify-same');

    // The slider, by keyboard: no request, only a new verdict.
    const callsBefore = await apiCallCount();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const slider = panel.getByRole('slider', { name: 'Threshold' });
    await slider.focus();
    await page.keyboard.press('End');
    await poll(() => verdict.locator('.verdict-label').textContent()).toBe(
      result.similarity >= 1 ? 'Same person' : 'Different people',
    );
    expect(await verdict.locator('.verdict-numbers').textContent()).toContain('threshold 1.00');
    await shot('verify-slider');
    await page.keyboard.press('Home');
    await poll(() => verdict.locator('.verdict-label').textContent()).toBe('Same person');
    await panel.getByRole('button', { name: /^Model default/ }).click();
    expect(await slider.inputValue()).toBe(String(Number(result.threshold.toFixed(2))));
    expect(requests).toEqual([]);
    expect(await apiCallCount()).toBe(callsBefore);
  });

  it('Face Verification: two different people', async () => {
    await open('#verify');
    const panel = page.locator('#panel-verify');
    const verified = await nextCall('/verify');
    // Of the samples' largest faces, these two are the least alike (≈0.83 against a 0.90 threshold).
    await panel
      .getByRole('group', { name: /First photo/ })
      .getByRole('button', { name: /^Sample 1:/ })
      .click();
    await panel
      .getByRole('group', { name: /Second photo/ })
      .getByRole('button', { name: /^Sample 6:/ })
      .click();
    const result = (await verified()).json as VerifyResponse;
    expect(result.match).toBe(false);
    await poll(() => panel.locator('.verdict-label').textContent()).toBe('Different people');
    await shot('verify-different');
  });

  it('says when no face is found, in detection and in either photo of a pair', async () => {
    const blank = { name: 'sky.jpg', mimeType: 'image/jpeg', buffer: await faceless() };
    await open();
    const detect = page.locator('#panel-detect');
    await detect.getByLabel('Photo: choose a file…').setInputFiles(blank);
    await poll(() => detect.getByRole('alert').textContent()).toMatch(/^No face found in this photo\./);
    await shot('no-face');

    await page.getByRole('tab', { name: 'Face Verification' }).click();
    const verify = page.locator('#panel-verify');
    await verify
      .getByRole('group', { name: /First photo/ })
      .getByRole('button', { name: /^Sample 3:/ })
      .click();
    await verify.getByLabel('Second photo: choose a file…').setInputFiles(blank);
    await poll(() => verify.getByRole('alert').textContent()).toMatch(/^No face found in the second photo\./);
    expect(await verify.locator('.verdict').isHidden()).toBe(true);
  });

  it('says when a file is not an image', async () => {
    await open();
    const panel = page.locator('#panel-detect');
    await panel
      .getByLabel('Photo: choose a file…')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
    await poll(() => panel.getByRole('alert').textContent()).toBe(
      'This photo is not an image the service can read. Use a JPEG, PNG or WebP photo.',
    );
    await panel
      .getByLabel('Photo: choose a file…')
      .setInputFiles({ name: 'fake.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo either') });
    await poll(() => panel.getByRole('alert').textContent()).toMatch(/is not an image the service can read/);
    await shot('not-an-image');
  });

  it('says when the service cannot be reached, and shows progress while waiting', async () => {
    await open();
    const panel = page.locator('#panel-detect');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/detect*', async (route) => {
      await held;
      await route.abort('internetdisconnected');
    });
    await panel.getByRole('button', { name: /^Sample 2:/ }).click();
    await panel.locator('progress:not([hidden])').waitFor();
    expect(await panel.locator('.status').textContent()).toBe('Finding faces…');
    expect(await panel.locator('.status').getAttribute('aria-busy')).toBe('true');
    await shot('progress');
    release();
    await poll(() => panel.getByRole('alert').textContent()).toBe(
      'Could not reach the service. Check your connection and try again.',
    );
    expect(await panel.locator('progress').isHidden()).toBe(true);
    await shot('network-error');
  });

  it('shows a rotated-EXIF phone photo upright, with the overlay on the faces', async () => {
    await open();
    const panel = page.locator('#panel-detect');
    let detected = await nextCall('/detect');
    await panel.getByRole('button', { name: /^Sample 1:/ }).click();
    const upright = (await detected()).json as DetectResponse;
    await poll(async () => (await overlay(panel.locator('figure.photo'))).faces.length).toBe(
      upright.faces.length,
    );
    const uprightDrawn = await overlay(panel.locator('figure.photo'));

    detected = await nextCall('/detect');
    const photo = await rotatedExif(1);
    await panel
      .getByLabel('Photo: choose a file…')
      .setInputFiles({ name: 'phone.jpg', mimeType: 'image/jpeg', buffer: photo });
    const rotated = (await detected()).json as DetectResponse;
    // The API answers in the upright image's pixels: landscape, as the sample.
    expect([rotated.width, rotated.height]).toEqual([upright.width, upright.height]);
    await poll(() => panel.locator('figure.photo .photo-caption').textContent()).toMatch(/^phone\.jpg: /);
    const drawn = await overlay(panel.locator('figure.photo'));
    expect(drawn.display.width).toBeGreaterThan(drawn.display.height);
    expectOverlayMatches(drawn, rotated);
    // The same faces where the upright original had them (re-encoding moves a box a little).
    expect(drawn.faces.length).toBe(uprightDrawn.faces.length);
    const centre = (b: OverlayFace['box']) => [b.x + b.width / 2, b.y + b.height / 2] as const;
    for (const face of drawn.faces) {
      const [x, y] = centre(face.box);
      const nearest = Math.min(
        ...uprightDrawn.faces.map((other) => Math.hypot(x - centre(other.box)[0], y - centre(other.box)[1])),
      );
      expect(nearest).toBeLessThan(face.box.width * 0.25);
    }
    await shot('exif-rotated');
  });

  it('shrinks a photo over the direct limit in the browser before sending it', async () => {
    const big = await oversized(5);
    expect(big.length).toBeGreaterThan(DIRECT_LIMIT_BYTES);
    await open();
    const panel = page.locator('#panel-detect');
    const detected = await nextCall('/detect');
    await panel
      .getByLabel('Photo: choose a file…')
      .setInputFiles({ name: 'big.jpg', mimeType: 'image/jpeg', buffer: big });
    const call = await detected();
    expect(call.bodyBytes).toBeGreaterThan(0);
    expect(call.bodyBytes).toBeLessThanOrEqual(DIRECT_LIMIT_BYTES);
    expect(call.contentType).toBe('image/jpeg');
    const result = call.json as DetectResponse;
    expect(Math.max(result.width, result.height)).toBeLessThanOrEqual(4096);
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    await poll(() => panel.locator('figure.photo .photo-caption').textContent()).toMatch(
      /shrunk in your browser/,
    );
    expectOverlayMatches(await overlay(panel.locator('figure.photo')), result);
  });

  it('sends a large photo the browser cannot decode through /uploads, and says it cannot show it', async () => {
    const tiff = await uncompressedTiff(3);
    expect(tiff.length).toBeGreaterThan(DIRECT_LIMIT_BYTES);
    await open();
    const panel = page.locator('#panel-detect');
    const presigned = await nextCall('/uploads');
    const detected = await nextCall('/detect');
    await panel
      .getByLabel('Photo: choose a file…')
      .setInputFiles({ name: 'scan.tiff', mimeType: 'image/tiff', buffer: tiff });
    const uploads = await presigned();
    expect(uploads.status).toBe(200);
    const call = await detected();
    expect(call.contentType).toBe('application/json');
    expect(call.bodyBytes).toBeLessThan(1000);
    const result = call.json as DetectResponse;
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    await poll(() => panel.locator('figure.photo .photo-caption').textContent()).toMatch(
      /sent through an upload/,
    );
    expect(await panel.locator('.photo-unsupported').isVisible()).toBe(true);
    await poll(() => panel.getByRole('list', { name: 'Faces found' }).getByRole('listitem').count()).toBe(
      result.faces.length,
    );
    await shot('upload-tiff');
  });

  it('works by keyboard: tabs by arrow keys, then the file input and samples by Tab, with visible focus', async () => {
    await open();
    await page.getByRole('tab', { name: 'Face Detection', exact: true }).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const verifyTab = page.getByRole('tab', { name: 'Face Verification' });
    expect(await verifyTab.getAttribute('aria-selected')).toBe('true');
    expect(await verifyTab.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(page.url()).toMatch(/#verify$/);
    expect(await page.locator('#panel-verify').isVisible()).toBe(true);
    expect(await page.locator('#panel-detect').isHidden()).toBe(true);

    await page.keyboard.press('Tab');
    const focused = () =>
      page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);
    expect(await focused()).toBe('verify-source-file');
    const label = page.locator('label[for="verify-source-file"]');
    expect(await label.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^Sample 1:/);
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#panel-verify').locator('.status').textContent()).toBe(
      'Now choose the second photo.',
    );
    await shot('keyboard');
  });

  it('fits a phone screen', async () => {
    await open('', { width: 390, height: 844 });
    const panel = page.locator('#panel-detect');
    await panel.getByRole('button', { name: /^Sample 6:/ }).click();
    await poll(() => panel.locator('.status').textContent()).toMatch(/faces? found\.$/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const drawn = await overlay(panel.locator('figure.photo'));
    expect(drawn.display.width).toBeLessThanOrEqual(390);
    await shot('phone-detect');

    await page.getByRole('tab', { name: 'Face Verification' }).click();
    const verify = page.locator('#panel-verify');
    await verify
      .getByRole('group', { name: /First photo/ })
      .getByRole('button', { name: /^Sample 6:/ })
      .click();
    await verify
      .getByRole('group', { name: /Second photo/ })
      .getByRole('button', { name: /^Sample 6:/ })
      .click();
    await poll(() => verify.locator('.verdict-label').textContent()).toBe('Same person');
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await shot('phone-verify');
  });
});
