/**
 * Keeps the photos a person has chosen across a trip to the sign-in provider (a sign-in that ended, asked
 * for again): saved in this origin's IndexedDB just before the page leaves, which holds Blobs of any size
 * where sessionStorage holds a few MB of text, then given back to their modes, and deleted, on return.
 */
import type { PickedPhoto } from './picker.ts';

interface Slot {
  current(): PickedPhoto | undefined;
  restore(photo: PickedPhoto): void;
}

const DATABASE = 'faceverify';
const STORE = 'kept-photos';

export class PhotoKeeper {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly indexedDb: IDBFactory | undefined) {}

  /** A photo input of a mode: what it holds now, and how to hand one back (as if just chosen). */
  register(slot: string, current: Slot['current'], restore: Slot['restore']): void {
    this.slots.set(slot, { current, restore });
  }

  /** Saves every slot's photo; resolves once written, so the page may leave. */
  async save(): Promise<void> {
    const kept = [...this.slots].flatMap(([slot, { current }]) => {
      const photo = current();
      return photo ? [{ slot, name: photo.name, blob: photo.blob }] : [];
    });
    if (kept.length === 0 || !this.indexedDb) return;
    const db = await open(this.indexedDb);
    try {
      const transaction = db.transaction(STORE, 'readwrite');
      for (const photo of kept) transaction.objectStore(STORE).put(photo, photo.slot);
      await done(transaction);
    } finally {
      db.close();
    }
  }

  /** Hands back what `save` kept, in registration order, and forgets it; the count handed back. */
  async restore(): Promise<number> {
    if (!this.indexedDb) return 0;
    const db = await open(this.indexedDb);
    let kept: { slot: string; name: string; blob: Blob }[];
    try {
      const transaction = db.transaction(STORE, 'readwrite');
      const store = transaction.objectStore(STORE);
      const all = store.getAll();
      store.clear();
      await done(transaction);
      kept = all.result;
    } finally {
      db.close();
    }
    let count = 0;
    for (const [slot, { restore }] of this.slots) {
      const photo = kept.find((k) => k.slot === slot);
      if (photo) {
        restore({ blob: photo.blob, name: photo.name });
        count++;
      }
    }
    return count;
  }
}

function open(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}
