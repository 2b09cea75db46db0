/**
 * Sections of docs/benchmarks.md owned by other scripts than `npm run bench` (which rewrites the
 * page): each sits between `<!-- name:begin -->` and `<!-- name:end -->` and survives the rewrite.
 */

const begin = (name: string) => `<!-- ${name}:begin -->`;
const end = (name: string) => `<!-- ${name}:end -->`;
const SECTION = /<!-- ([\w-]+):begin -->[\s\S]*?<!-- \1:end -->/g;

/** `doc` with the named section's content replaced by `body`, or the section appended. */
export function replaceSection(doc: string, name: string, body: string): string {
  const block = `${begin(name)}\n${body.trim()}\n${end(name)}`;
  const at = doc.indexOf(begin(name));
  const stop = doc.indexOf(end(name));
  if (at >= 0 && stop > at) return doc.slice(0, at) + block + doc.slice(stop + end(name).length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

/** Every marked section of `doc`, in order, to carry over into a rewritten page. */
export function markedSections(doc: string): string[] {
  return doc.match(SECTION) ?? [];
}
