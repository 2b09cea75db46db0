/**
 * "Find a person" in chromium against the real local server and its collection store: a collection
 * created, two people enrolled from real photos, a third photo searched (the ranked names, far in words,
 * the verdict), a person forgotten and the search run again; the no-face, bad-name and deleted-collection
 * messages; keyboard use and phone width. The server keeps its collections in memory, gone at its stop.
 * Screenshots go to test-results/web/find-*.png: look at them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { describeFar } from '../../functions/core/compare.ts';
import type { Collection, FaceList, IndexFacesResponse, SearchResponse } from '../../web/src/types.ts';
import { chromiumMissing } from './browser.ts';
import { faceless, samplePath } from './photos.ts';
import { pageSession, poll } from './session.ts';

const missing = chromiumMissing();
if (missing) console.warn(`test/web/find.test.ts skipped: ${missing}`);

/** Eight people of a sitcom, five face photos each (face-api.js's examples, MIT), in the shared data. */
const BBT = fileURLToPath(new URL('../../../shared/data/faceapi-bbt/', import.meta.url));
const hasBbt = existsSync(join(BBT, 'sheldon', 'sheldon1.png'));
if (!missing && !hasBbt) console.warn(`find: the enrol-and-search test skipped: no face photos at ${BBT}`);
const bbt = (person: string, n: number) => join(BBT, person, `${person}${n}.png`);

/** A collection id no other test uses. */
const freshId = (name: string) =>
  `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe.skipIf(missing !== undefined)('Find a person, in chromium', () => {
  const session = pageSession();
  let page: Page;
  let panel: Locator;
  const open = async (hash = '#find', viewport?: { width: number; height: number }) => {
    page = await session.open(hash, viewport);
    panel = page.locator('#panel-find');
    return page;
  };
  const { shot, nextCall } = session;
  const section = (heading: string) =>
    panel.locator('section', { has: page.getByRole('heading', { name: heading }) });
  /** The first listing of collections has answered (the status was busy, and is not). */
  const collectionsListed = () =>
    poll(() => panel.locator('#find-collection-status').getAttribute('aria-busy')).toBe('false');
  const api = (path: string, init?: RequestInit) => fetch(new URL(path, session.server.url), init);

  /** Creates the collection through the page, which opens it. */
  async function createCollection(id: string): Promise<Collection> {
    await collectionsListed();
    const created = await nextCall(`/collections/${id}`, 'PUT');
    await panel.getByLabel('New collection (or an existing one, to open it)').fill(id);
    await panel.getByRole('button', { name: 'Create', exact: true }).click();
    const call = await created();
    expect(call.status).toBe(201);
    await poll(() => panel.getByLabel('Collection in use').inputValue()).toBe(id);
    await poll(() => panel.locator('#find-collection-status').textContent()).toBe(
      `Created ${id}: enrol people in it below.`,
    );
    return call.json as Collection;
  }

  /** Enrols a photo under a (valid) name through the page; the API's answer. */
  async function enrol(id: string, name: string, photo: string): Promise<IndexFacesResponse> {
    const enrolled = await nextCall(`/collections/${id}/faces`, 'POST');
    await panel.getByLabel('Name of the person').fill(name);
    await panel.getByLabel('Photo of this person: choose a file…').setInputFiles(photo);
    const call = await enrolled();
    expect(call.status).toBe(201);
    await poll(() => panel.locator('#find-enrol-status').textContent()).toMatch(
      new RegExp(`^Enrolled ${name} in ${id}\\.`),
    );
    return call.json as IndexFacesResponse;
  }

  /** The ranked people as the page lists them: name, verdict, numbers, far in words. */
  const rankedRows = () =>
    panel
      .getByRole('list', { name: 'Closest people' })
      .getByRole('listitem')
      .evaluateAll((items) =>
        items.map((li) => Array.from(li.children).map((span) => span.textContent ?? '')),
      );

  /** The page's list agrees with the API's answer, person by person, in its order. */
  async function expectRankedAsAnswered(result: SearchResponse): Promise<void> {
    await poll(rankedRows).toEqual(
      result.matches.map((m) => [
        m.externalId,
        m.match ? 'match' : 'no match',
        expect.stringMatching(
          new RegExp(
            `^similarity ${m.similarity.toFixed(2).replace('.', '\\.')}\\d* ${m.match ? '≥' : '<'} threshold `,
          ),
        ),
        `${describeFar(m.far)} (false-accept rate ${m.far})`,
      ]),
    );
  }

  const people = () =>
    panel
      .getByRole('list', { name: 'People in this collection' })
      .getByRole('listitem')
      .evaluateAll((items) =>
        items.map((li) => [
          li.querySelector('.person-name')?.textContent,
          li.querySelector('.person-faces')?.textContent,
        ]),
      );

  it.skipIf(!hasBbt)(
    'creates a collection, enrols two people, finds one of them in another photo, forgets them and searches again',
    async () => {
      await open();
      const id = freshId('bbt');
      const collection = await createCollection(id);
      expect([collection.faceCount, collection.subjectCount]).toEqual([0, 0]);

      // A name as people write it is not an id: the page says so, sends nothing, and offers one.
      const enrolCalls = await nextCall(`/collections/${id}/faces`, 'POST');
      await panel.getByLabel('Name of the person').fill('Sheldon Cooper');
      await panel.getByLabel('Photo of this person: choose a file…').setInputFiles(bbt('sheldon', 1));
      const problem = panel.locator('#find-name-problem');
      await poll(() => problem.isVisible()).toBe(true);
      expect(await problem.textContent()).toContain(
        'A name may use only letters (A–Z, a–z), digits and _ . : @ -, with no spaces.',
      );
      expect(await panel.getByLabel('Name of the person').getAttribute('aria-invalid')).toBe('true');
      expect(await panel.locator('#find-enrol-status').textContent()).toBe(
        'The photo is waiting: correct the name, then press Enrol.',
      );
      await shot('find-name-problem');
      await panel.getByRole('button', { name: 'Use Sheldon_Cooper' }).click();
      const sheldon = (await enrolCalls()).json as IndexFacesResponse;
      expect(sheldon.faces).toHaveLength(1);
      expect(sheldon.faces[0]?.externalId).toBe('Sheldon_Cooper');
      expect(await panel.getByLabel('Name of the person').inputValue()).toBe('Sheldon_Cooper');
      const enrolFigure = section('Enrol a person').locator('figure.photo');
      await poll(() => enrolFigure.locator('svg g.face text').allTextContents()).toEqual(['Sheldon_Cooper']);

      await enrol(id, 'Penny', bbt('penny', 1));
      await poll(people).toEqual([
        ['Sheldon_Cooper', '1 face'],
        ['Penny', '1 face'],
      ]);
      await poll(() => panel.locator('#find-collection-summary').textContent()).toMatch(
        /^2 people, 2 faces; model /,
      );

      // Another photo of Sheldon: he is found, ranked first, and the verdict says so.
      let searched = await nextCall(`/collections/${id}/search`, 'POST');
      await panel.getByLabel('Photo to search with: choose a file…').setInputFiles(bbt('sheldon', 2));
      let result = (await searched()).json as SearchResponse;
      expect(result.matches.map((m) => m.externalId)).toEqual(['Sheldon_Cooper', 'Penny']);
      expect(result.matches[0]?.match).toBe(true);
      const verdict = section('Search').locator('.verdict');
      await poll(() => verdict.locator('.verdict-label').textContent()).toBe('Found: Sheldon_Cooper');
      expect(await verdict.getAttribute('class')).toContain('match');
      expect(await verdict.locator('.verdict-far').textContent()).toMatch(
        /^(About 1 in [\d,.]+|Most) people who are not enrolled would score this high against one of the 2 faces here \(estimated, [\d.e-]+\)\.$/,
      );
      await expectRankedAsAnswered(result);
      const searchFigure = section('Search').locator('figure.photo');
      expect(await searchFigure.locator('svg g.face').count()).toBe(1);
      expect(await searchFigure.locator('svg g.face text').textContent()).toBe('Sheldon_Cooper');
      await shot('find-search');

      // Forget Sheldon: his faces are gone, and the same photo, searched again, no longer finds him.
      const forgotten = await nextCall(`/collections/${id}/subjects/Sheldon_Cooper`, 'DELETE');
      searched = await nextCall(`/collections/${id}/search`, 'POST');
      await section('People in this collection')
        .getByRole('button', { name: 'Forget Sheldon_Cooper' })
        .click();
      expect((await forgotten()).status).toBe(204);
      result = (await searched()).json as SearchResponse;
      expect(result.matches.map((m) => m.externalId)).toEqual(['Penny']);
      expect(result.faceCount).toBe(1);
      await poll(() => verdict.locator('.verdict-label').textContent()).toBe(
        result.matches[0]?.match ? 'Found: Penny' : 'Not found',
      );
      await expectRankedAsAnswered(result);
      await poll(people).toEqual([['Penny', '1 face']]);
      expect(await panel.locator('#find-people-status').textContent()).toBe(
        `Forgot Sheldon_Cooper: every face of theirs is deleted from ${id}.`,
      );
      // Focus was on the button that went: it is on the list's heading now, not lost.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('find-people-heading');
      const listed = (await (
        await api(`collections/${id}/faces?externalId=Sheldon_Cooper`)
      ).json()) as FaceList;
      expect(listed.faces).toEqual([]);
      await shot('find-forgotten');
      await api(`collections/${id}`, { method: 'DELETE' });
    },
  );

  it('says what is wrong with a name before sending, when a photo has no face, and when the collection is gone', async () => {
    await open();
    await collectionsListed();
    // A collection name with a space: nothing is sent; the id offered creates it.
    const id = freshId('front_door');
    const beforeCreate = await session.apiCallCount();
    await panel.getByLabel('New collection (or an existing one, to open it)').fill(id.replace('_', ' '));
    await panel.getByRole('button', { name: 'Create', exact: true }).click();
    const collectionProblem = panel.locator('#find-new-collection-problem');
    await poll(() => collectionProblem.textContent()).toMatch(
      /^A collection name may use only letters \(A–Z, a–z\), digits and _ \. -, with no spaces\./,
    );
    expect(await session.apiCallCount()).toBe(beforeCreate);
    const created = await nextCall(`/collections/${id}`, 'PUT');
    await panel.getByRole('button', { name: `Use ${id}` }).click();
    expect((await created()).status).toBe(201);
    await poll(() => panel.getByLabel('Collection in use').inputValue()).toBe(id);

    // No name, then a name with no Latin letter: said, nothing sent, no id to offer.
    const faces = `/collections/${id}/faces`;
    const callsBefore = await session.apiCallCount();
    await panel.getByLabel('Photo of this person: choose a file…').setInputFiles(samplePath(1));
    const nameProblem = panel.locator('#find-name-problem');
    await poll(() => nameProblem.textContent()).toMatch(/^A name is needed\./);
    await panel.getByLabel('Name of the person').fill('李小龍');
    await panel.getByRole('button', { name: 'Enrol', exact: true }).click();
    await poll(() => nameProblem.textContent()).toMatch(/^A name may use only letters/);
    expect(await nameProblem.getByRole('button').isHidden()).toBe(true);
    expect(await session.apiCallCount()).toBe(callsBefore);
    await shot('find-bad-name');

    // A photo without a face, to enrol and to search: said in each.
    const blank = { name: 'sky.jpg', mimeType: 'image/jpeg', buffer: await faceless() };
    const refused = await nextCall(faces, 'POST');
    await panel.getByLabel('Name of the person').fill('sky');
    await panel.getByLabel('Photo of this person: choose a file…').setInputFiles(blank);
    expect((await refused()).status).toBe(422);
    await poll(() => section('Enrol a person').getByRole('alert').textContent()).toMatch(
      /^No face found in this photo\./,
    );
    const searchRefused = await nextCall(`/collections/${id}/search`, 'POST');
    await panel.getByLabel('Photo to search with: choose a file…').setInputFiles(blank);
    expect((await searchRefused()).status).toBe(422);
    await poll(() => section('Search').getByRole('alert').textContent()).toMatch(
      /^No face found in this photo\./,
    );
    expect(await section('Search').locator('.verdict').isHidden()).toBe(true);
    await shot('find-no-face');

    // Deleted elsewhere: the enrolment is refused, the page says why and lists what is left.
    expect((await api(`collections/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await nextCall(faces, 'POST');
    await panel.getByLabel('Name of the person').fill('Someone');
    await panel.getByLabel('Photo of this person: choose a file…').setInputFiles(samplePath(2));
    expect((await gone()).status).toBe(404);
    await poll(() => panel.locator('#find-collection-error').textContent()).toBe(
      'This collection does not exist (any more): it may have been deleted. Choose or create another.',
    );
    expect(
      await panel
        .getByLabel('Collection in use')
        .locator('option')
        .evaluateAll((o) => o.map((x) => x.getAttribute('value'))),
    ).not.toContain(id);
    await shot('find-collection-gone');
  });

  it('works by keyboard: the tab by End, a collection created by Enter, a sample enrolled, a person forgotten', async () => {
    await open('');
    await page.getByRole('tab', { name: 'Face Detection', exact: true }).focus();
    await page.keyboard.press('End');
    const findTab = page.getByRole('tab', { name: 'Find a person' });
    expect(await findTab.getAttribute('aria-selected')).toBe('true');
    expect(page.url()).toMatch(/#find$/);
    expect(await panel.isVisible()).toBe(true);
    const focusedId = () => page.evaluate(() => document.activeElement?.id);
    const outline = () =>
      page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);

    await collectionsListed();
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('find-collection');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('find-new-collection');
    expect(await outline()).toBe('solid');
    const id = freshId('keys');
    const created = await nextCall(`/collections/${id}`, 'PUT');
    await page.keyboard.type(id);
    await page.keyboard.press('Enter');
    expect((await created()).status).toBe(201);
    await poll(() => panel.getByLabel('Collection in use').inputValue()).toBe(id);

    // Create, then the name field; a name; the file input; the first sample, by Enter.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('find-name');
    await page.keyboard.type('Sample_One');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('find-enrol-file');
    expect(
      await panel.locator('label[for="find-enrol-file"]').evaluate((el) => getComputedStyle(el).outlineStyle),
    ).toBe('solid');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Sample 1:/);
    const enrolled = await nextCall(`/collections/${id}/faces`, 'POST');
    await page.keyboard.press('Enter');
    expect((await enrolled()).status).toBe(201);
    const forget = section('People in this collection').getByRole('button', { name: 'Forget Sample_One' });
    await forget.waitFor();
    await forget.focus();
    expect(await outline()).toBe('solid');
    const forgotten = await nextCall(`/collections/${id}/subjects/Sample_One`, 'DELETE');
    await page.keyboard.press('Enter');
    expect((await forgotten()).status).toBe(204);
    await poll(focusedId).toBe('find-people-heading');
    await poll(() => panel.getByText('No one is enrolled here yet.').isVisible()).toBe(true);
    await shot('find-keyboard');
    await api(`collections/${id}`, { method: 'DELETE' });
  });

  it('fits a phone screen', async () => {
    await open('#find', { width: 390, height: 844 });
    const id = freshId('phone');
    await createCollection(id);
    await enrol(id, 'Sample_Six', samplePath(6));
    const searched = await nextCall(`/collections/${id}/search`, 'POST');
    await section('Search')
      .getByRole('button', { name: /^Sample 6:/ })
      .click();
    const result = (await searched()).json as SearchResponse;
    expect(result.matches[0]?.externalId).toBe('Sample_Six');
    await poll(() => section('Search').locator('.verdict-label').textContent()).toBe(
      result.matches[0]?.match ? 'Found: Sample_Six' : 'Not found',
    );
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    const photo = await section('Search')
      .locator('figure.photo img')
      .evaluate((img) => img.clientWidth);
    expect(photo).toBeLessThanOrEqual(390);
    await shot('find-phone');
    await api(`collections/${id}`, { method: 'DELETE' });
  });

  it('lists a collection made through the API, opens it by name, and deletes it after asking', async () => {
    const id = freshId('existing');
    expect((await api(`collections/${id}`, { method: 'PUT' })).status).toBe(201);
    const photo = (await readFile(samplePath(3))).toString('base64');
    const indexed = await api(`collections/${id}/faces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ image: photo, externalId: 'ada@example.org' }),
    });
    expect(indexed.status).toBe(201);
    await open();
    const options = panel.getByLabel('Collection in use').locator('option');
    await poll(() => options.evaluateAll((o) => o.map((x) => x.getAttribute('value')))).toContain(id);
    const opened = await nextCall(`/collections/${id}`, 'PUT');
    await panel.getByLabel('New collection (or an existing one, to open it)').fill(id);
    await panel.getByRole('button', { name: 'Create', exact: true }).click();
    expect((await opened()).status).toBe(200);
    await poll(() => panel.locator('#find-collection-status').textContent()).toBe(
      `${id} exists already: opened it.`,
    );
    await poll(people).toEqual([['ada@example.org', '1 face']]);

    // Deleting it asks first; once confirmed, it is gone from the API and from the list.
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    const deleted = await nextCall(`/collections/${id}`, 'DELETE');
    await panel.getByRole('button', { name: 'Delete this collection' }).click();
    expect((await deleted()).status).toBe(204);
    expect(asked).toEqual([`Delete ${id} with its 1 face? Its people would have to be enrolled again.`]);
    await poll(() => panel.locator('#find-collection-status').textContent()).toBe(
      `Deleted ${id} with its 1 face.`,
    );
    expect(await options.evaluateAll((o) => o.map((x) => x.getAttribute('value')))).not.toContain(id);
    expect((await api(`collections/${id}`)).status).toBe(404);
  });
});
