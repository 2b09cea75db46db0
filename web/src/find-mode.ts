/**
 * "Find a person": a collection picked or created; people enrolled from their photos under a name; a photo
 * searched against them (the closest people ranked, each with similarity, threshold and how rare the score
 * is between different people, and the verdict); a person forgotten, every face of theirs deleted.
 * Collections are listed the first time the tab is shown, not on every page load.
 */
import { h, plural } from './dom.ts';
import { ApiError } from './errors.ts';
import { createIdField } from './id-field.ts';
import { isAbort, latestOnly, type ModeDeps } from './mode-deps.ts';
import { peopleOf } from './people.ts';
import { createPhotoView } from './photo-view.ts';
import { createPicker, type PickedPhoto } from './picker.ts';
import { type Prepared, sentNote } from './prepare.ts';
import { describeSearch } from './search-answer.ts';
import { sendPhotos } from './send.ts';
import { createStatus } from './status.ts';
import type { Collection, ListedFace } from './types.ts';

/** Where the last collection used is remembered, to open it again next time. */
const LAST_COLLECTION = 'faceverify.collection';
/** Faces per listing page: the API's largest. */
const FACE_PAGE = 1000;

/** Runs `show` once, the first time the panel is visible. */
function whenShown(panel: HTMLElement, show: () => void): void {
  if (!panel.hidden) {
    show();
    return;
  }
  const observer = new MutationObserver(() => {
    if (panel.hidden) return;
    observer.disconnect();
    show();
  });
  observer.observe(panel, { attributes: true, attributeFilter: ['hidden'] });
}

function isCollectionGone(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'CollectionNotFound';
}

/** Sends one photo as verify sends its two (shrunk or uploaded when too large), saying each stage. */
function sendOne<T>(
  photo: Blob,
  deps: ModeDeps,
  signal: AbortSignal,
  onBusy: (text: string) => void,
  working: string,
  call: (prepared: Prepared) => Promise<T>,
): Promise<{ result: T; prepared: Prepared | undefined }> {
  return sendPhotos(
    [photo],
    ([prepared]) => {
      if (!prepared) throw new Error('no photo prepared');
      return call(prepared);
    },
    deps.prepareDeps(signal),
    (stage) => onBusy(stage === 'preparing' ? 'Preparing the photo…' : working),
  ).then(({ result, prepared }) => ({ result, prepared: prepared[0] }));
}

export function mountFindMode(panel: HTMLElement, deps: ModeDeps, storage?: Storage): void {
  let collections: Collection[] = [];
  let current: Collection | undefined;

  // The collection: pick one, or create (or open) one by name.
  const collectionStatus = createStatus('find-collection');
  const select = h('select', { id: 'find-collection', 'aria-describedby': 'find-collection-summary' });
  const summary = h('p', { id: 'find-collection-summary', class: 'collection-summary' });
  const newCollection = createIdField({
    id: 'find-new-collection',
    label: 'New collection (or an existing one, to open it)',
    kind: 'collection',
    example: 'staff',
    onSuggestionUsed: () => createForm.requestSubmit(),
  });
  const createForm = h(
    'form',
    { class: 'inline-form', novalidate: true },
    newCollection.element,
    h('button', { type: 'submit', class: 'button' }, 'Create'),
  );
  const collectionSection = h(
    'section',
    { class: 'find-collection', 'aria-labelledby': 'find-collection-heading' },
    h('h3', { id: 'find-collection-heading' }, 'Collection'),
    h(
      'div',
      { class: 'collection-bar' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'find-collection', class: 'field-label' }, 'Collection in use'),
        select,
        summary,
      ),
      createForm,
    ),
    collectionStatus.element,
  );

  // Enrol: a name, then a photo of that person.
  const enrolStatus = createStatus('find-enrol');
  const enrolView = createPhotoView('No photo enrolled yet.');
  const nameField = createIdField({
    id: 'find-name',
    label: 'Name of the person',
    kind: 'person',
    example: 'Ada_Lovelace',
    onSuggestionUsed: () => void enrol(),
  });
  /** A photo chosen while the name was not yet valid: enrolled once it is. */
  let waiting: PickedPhoto | undefined;
  /** The photo being enrolled: pressing Enrol again meanwhile must not enrol it twice. */
  let sending: PickedPhoto | undefined;
  /** Whose face the enrolment view shows. */
  let enrolled: string | undefined;
  const nextEnrol = latestOnly();

  const enrol = async () => {
    const name = nameField.check();
    if (name === undefined) {
      enrolStatus.done(waiting ? 'The photo is waiting: correct the name, then press Enrol.' : '');
      return;
    }
    const photo = waiting;
    const collection = current;
    if (!photo) {
      enrolStatus.done(`Now choose a photo of ${name}.`);
      return;
    }
    if (!collection || photo === sending) return;
    sending = photo;
    const signal = nextEnrol();
    try {
      const { result, prepared } = await sendOne(
        photo.blob,
        deps,
        signal,
        enrolStatus.busy,
        `Enrolling ${name}…`,
        (sent) => {
          void enrolView.show(sent.display, `Photo of ${name} (${photo.name})`, photo.name);
          return deps.api.indexFace(collection.collectionId, sent.payload, name, signal);
        },
      );
      if (signal.aborted) return;
      waiting = undefined;
      enrolled = name;
      enrolView.setFaces(result.faces, undefined, () => name);
      const scores = result.faces.map((face) => face.score.toFixed(2)).join(', ');
      enrolView.setCaption(`${photo.name}: enrolled face score ${scores}${sentNote(prepared)}.`);
      const others = result.unindexedFaces.length;
      const leftOut =
        others > 0 ? ` The photo’s ${plural(others, 'other face was', 'other faces were')} left out.` : '';
      enrolStatus.done(
        `Enrolled ${name} in ${collection.collectionId}.${leftOut} Choose another photo of them, or type the next name.`,
      );
      await collectionChanged(collection);
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      // The photo stays waiting: Enrol tries it again (after a network error, under another name).
      enrolView.setCaption('');
      if (isCollectionGone(error)) {
        enrolStatus.clear();
        await collectionGone(error);
      } else enrolStatus.error(error);
    } finally {
      if (sending === photo) sending = undefined;
    }
  };

  const pickForEnrol = (photo: PickedPhoto) => {
    waiting = photo;
    void enrolView.show(photo.blob, `Photo to enrol (${photo.name})`, photo.name);
    void loaded().then(enrol);
  };
  deps.keeper?.register('find-enrol', () => waiting, pickForEnrol);
  const enrolForm = h(
    'form',
    { class: 'enrol-form', novalidate: true },
    nameField.element,
    createPicker({
      id: 'find-enrol',
      label: 'Photo of this person',
      onPick: pickForEnrol,
      onError: (error) => enrolStatus.error(error),
    }),
    h('button', { type: 'submit', class: 'button' }, 'Enrol'),
  );
  enrolForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void enrol();
  });
  const enrolSection = h(
    'section',
    { class: 'find-step', 'aria-labelledby': 'find-enrol-heading' },
    h('h3', { id: 'find-enrol-heading' }, 'Enrol a person'),
    h(
      'p',
      { class: 'hint' },
      'Their name, then a photo: the largest face in it is enrolled. Several photos of one person help.',
    ),
    enrolForm,
    enrolStatus.element,
    enrolView.element,
  );

  // Search: a photo, against everyone enrolled.
  const searchStatus = createStatus('find-search');
  const searchView = createPhotoView('No photo searched yet.');
  const verdictLabel = h('p', { class: 'verdict-label' });
  const verdictDetail = h('p', { class: 'verdict-numbers' });
  const verdictChance = h('p', { class: 'verdict-far' });
  const verdict = h(
    'div',
    { class: 'verdict', 'aria-live': 'polite', hidden: true },
    verdictLabel,
    verdictDetail,
    verdictChance,
  );
  const ranked = h('ol', { class: 'ranked', 'aria-label': 'Closest people' });
  let searched: PickedPhoto | undefined;
  const nextSearch = latestOnly();

  const clearAnswer = () => {
    verdict.hidden = true;
    ranked.replaceChildren();
  };

  const search = async (photo: PickedPhoto) => {
    searched = photo;
    const collection = current;
    if (!collection) return;
    const signal = nextSearch();
    clearAnswer();
    try {
      const { result, prepared } = await sendOne(
        photo.blob,
        deps,
        signal,
        searchStatus.busy,
        `Searching ${collection.collectionId}…`,
        (sent) => {
          void searchView.show(sent.display, `Photo searched (${photo.name})`, photo.name);
          return deps.api.searchFaces(collection.collectionId, sent.payload, {}, signal);
        },
      );
      if (signal.aborted) return;
      const answer = describeSearch(result);
      const top = answer.ranked[0];
      searchView.setFaces([result.searchedFace], undefined, () =>
        answer.found && top ? top.name : 'searched face',
      );
      searchView.setCaption(
        `Searched face: score ${result.searchedFace.score.toFixed(2)}${sentNote(prepared)}.`,
      );
      verdict.classList.toggle('match', answer.found);
      verdictLabel.textContent = answer.label;
      verdictDetail.textContent = answer.detail;
      verdictChance.textContent = answer.chance;
      verdict.hidden = false;
      ranked.replaceChildren(
        ...answer.ranked.map((person) =>
          h(
            'li',
            { class: person.match ? 'match' : undefined },
            h('span', { class: 'ranked-name' }, person.name),
            h('span', { class: 'ranked-verdict' }, person.match ? 'match' : 'no match'),
            h('span', { class: 'ranked-numbers' }, person.comparison),
            h('span', { class: 'ranked-far' }, person.rarity),
          ),
        ),
      );
      searchStatus.done(
        `Searched ${plural(result.faceCount, 'face', 'faces')} in ${collection.collectionId}.`,
      );
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      searchView.setCaption('');
      if (isCollectionGone(error)) {
        searchStatus.clear();
        await collectionGone(error);
      } else searchStatus.error(error);
    }
  };

  const pickForSearch = (photo: PickedPhoto) => void loaded().then(() => search(photo));
  deps.keeper?.register('find-search', () => searched, pickForSearch);
  const searchSection = h(
    'section',
    { class: 'find-step', 'aria-labelledby': 'find-search-heading' },
    h('h3', { id: 'find-search-heading' }, 'Search'),
    h('p', { class: 'hint' }, 'A photo of someone: who, of the people enrolled, is it?'),
    createPicker({
      id: 'find-search',
      label: 'Photo to search with',
      onPick: pickForSearch,
      onError: (error) => searchStatus.error(error),
    }),
    searchStatus.element,
    verdict,
    ranked,
    searchView.element,
  );

  // The people enrolled, each with a Forget button.
  const peopleStatus = createStatus('find-people');
  const peopleHeading = h('h3', { id: 'find-people-heading', tabindex: -1 }, 'People in this collection');
  const peopleList = h('ul', { class: 'people', 'aria-labelledby': 'find-people-heading' });
  const noPeople = h('p', { class: 'hint' }, 'No one is enrolled here yet.');
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Show more people');
  let faces: ListedFace[] = [];
  let nextToken: string | undefined;
  const nextPeople = latestOnly();

  const forget = async (name: string, button: HTMLButtonElement) => {
    const collection = current;
    if (!collection) return;
    button.disabled = true;
    peopleStatus.busy(`Forgetting ${name}…`);
    try {
      await deps.api.forgetPerson(collection.collectionId, name);
      peopleStatus.done(`Forgot ${name}: every face of theirs is deleted from ${collection.collectionId}.`);
      if (enrolled === name) {
        enrolled = undefined;
        enrolView.clear();
        enrolStatus.clear();
      }
      // Where focus was is gone: the list's heading is the nearest place that stays.
      peopleHeading.focus();
      await collectionChanged(collection);
    } catch (error) {
      button.disabled = false;
      if (isCollectionGone(error)) {
        peopleStatus.clear();
        await collectionGone(error);
      } else peopleStatus.error(error);
    }
  };

  const renderPeople = () => {
    const people = peopleOf(faces);
    peopleList.replaceChildren(
      ...people.map(({ name, faceCount }) => {
        const button = h(
          'button',
          { type: 'button', class: 'button secondary', 'aria-label': `Forget ${name}` },
          'Forget',
        );
        button.addEventListener('click', () => void forget(name, button));
        return h(
          'li',
          {},
          h('span', { class: 'person-name' }, name),
          h('span', { class: 'person-faces' }, plural(faceCount, 'face', 'faces')),
          button,
        );
      }),
    );
    noPeople.hidden = people.length > 0;
    more.hidden = nextToken === undefined;
  };

  /** The first page of faces, or with `further` the next one added to those shown. */
  const loadPeople = async (further = false) => {
    const collection = current;
    if (!collection) return;
    const signal = nextPeople();
    try {
      const page = await deps.api.listFaces(
        collection.collectionId,
        { limit: FACE_PAGE, ...(further && nextToken !== undefined && { nextToken }) },
        signal,
      );
      if (signal.aborted) return;
      faces = further ? [...faces, ...page.faces] : page.faces;
      nextToken = page.nextToken;
      renderPeople();
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      if (isCollectionGone(error)) await collectionGone(error);
      else peopleStatus.error(error);
    }
  };
  more.addEventListener('click', () => void loadPeople(true));

  const deleteCollection = h(
    'button',
    { type: 'button', class: 'button secondary danger' },
    'Delete this collection',
  );
  deleteCollection.addEventListener('click', async () => {
    const collection = current;
    if (!collection) return;
    const faceCount = plural(collection.faceCount, 'face', 'faces');
    if (
      !confirm(
        `Delete ${collection.collectionId} with its ${faceCount}? Its people would have to be enrolled again.`,
      )
    )
      return;
    deleteCollection.disabled = true;
    collectionStatus.busy(`Deleting ${collection.collectionId}…`);
    try {
      await deps.api.deleteCollection(collection.collectionId);
      await loadCollections(undefined, false);
      collectionStatus.done(`Deleted ${collection.collectionId} with its ${faceCount}.`);
      select.focus();
    } catch (error) {
      if (isCollectionGone(error)) await collectionGone(error);
      else collectionStatus.error(error);
    } finally {
      deleteCollection.disabled = false;
    }
  });
  const peopleSection = h(
    'section',
    { class: 'find-people', 'aria-labelledby': 'find-people-heading' },
    peopleHeading,
    h(
      'p',
      { class: 'hint' },
      'Only each face’s embedding and box are kept, never a photo. Forget deletes them all.',
    ),
    peopleStatus.element,
    noPeople,
    peopleList,
    more,
    h('p', { class: 'danger-zone' }, deleteCollection),
  );

  // Which collection is open decides what the rest shows.
  const work = h(
    'div',
    { class: 'find-work', hidden: true },
    h('div', { class: 'side-by-side' }, enrolSection, searchSection),
    peopleSection,
  );
  const noCollection = h('p', { class: 'hint', hidden: true }, 'Create a collection to enrol people in.');

  const renderSummary = () => {
    summary.textContent = current
      ? `${plural(current.subjectCount, 'person', 'people')}, ${plural(current.faceCount, 'face', 'faces')}; model ${current.model.name} ${current.model.version}.`
      : '';
  };

  const open = (collection: Collection | undefined, searchAgain: boolean) => {
    current = collection;
    select.value = collection?.collectionId ?? '';
    work.hidden = collection === undefined;
    noCollection.hidden = collection !== undefined;
    renderSummary();
    clearAnswer();
    faces = [];
    nextToken = undefined;
    renderPeople();
    if (!collection) return;
    storage?.setItem(LAST_COLLECTION, collection.collectionId);
    void loadPeople();
    if (searchAgain && searched) void search(searched);
  };

  const renderSelect = () => {
    select.replaceChildren(
      ...(collections.length === 0
        ? [h('option', { value: '' }, 'No collections yet')]
        : collections.map((c) => h('option', { value: c.collectionId }, c.collectionId))),
    );
  };

  const listAll = async (): Promise<Collection[]> => {
    const all: Collection[] = [];
    let token: string | undefined;
    do {
      const page = await deps.api.listCollections({
        limit: FACE_PAGE,
        ...(token !== undefined && { nextToken: token }),
      });
      all.push(...page.collections);
      token = page.nextToken;
    } while (token !== undefined);
    return all;
  };

  /** Lists the collections and opens `choose`, else the one open, else the last used, else the first. */
  const loadCollections = async (choose?: string, searchAgain = true) => {
    collectionStatus.busy('Loading the collections…');
    try {
      collections = await listAll();
      renderSelect();
      const wanted = choose ?? current?.collectionId ?? storage?.getItem(LAST_COLLECTION);
      open(collections.find((c) => c.collectionId === wanted) ?? collections[0], searchAgain);
      collectionStatus.clear();
    } catch (error) {
      collectionStatus.error(error);
    }
  };

  let firstLoad: Promise<void> | undefined;
  const loaded = () => {
    firstLoad ??= loadCollections();
    return firstLoad;
  };

  /** After an enrolment or an erasure: the counts, the people and the last search, as they are now. */
  const collectionChanged = async (collection: Collection) => {
    try {
      const fresh = await deps.api.getCollection(collection.collectionId);
      collections = collections.map((c) => (c.collectionId === fresh.collectionId ? fresh : c));
      if (current?.collectionId !== fresh.collectionId) return;
      current = fresh;
      renderSummary();
      void loadPeople();
      if (searched) void search(searched);
    } catch (error) {
      if (isCollectionGone(error)) await collectionGone(error);
      else collectionStatus.error(error);
    }
  };

  /** The open collection was deleted elsewhere: list what is left, and say so where it stays visible. */
  const collectionGone = async (error: unknown) => {
    await loadCollections(undefined, false);
    collectionStatus.error(error);
  };

  select.addEventListener('change', () =>
    open(
      collections.find((c) => c.collectionId === select.value),
      true,
    ),
  );
  createForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = newCollection.check();
    if (id === undefined) return;
    collectionStatus.busy(`Creating ${id}…`);
    deps.api.createCollection(id).then(
      async ({ created }) => {
        newCollection.input.value = '';
        await loadCollections(id);
        collectionStatus.done(
          created ? `Created ${id}: enrol people in it below.` : `${id} exists already: opened it.`,
        );
      },
      (error: unknown) => collectionStatus.error(error),
    );
  });

  panel.append(collectionSection, noCollection, work);
  whenShown(panel, () => void loaded());
}
