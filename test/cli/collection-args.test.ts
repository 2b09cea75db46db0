import { describe, expect, it } from 'vitest';
import { UsageError } from '../../functions/cli/args.ts';
import { parseCollectionCommand } from '../../functions/cli/collection-args.ts';

const parse = (line: string) => parseCollectionCommand(line.split(' ').filter(Boolean));

describe('faceverify collection arguments', () => {
  it('reads each subcommand', () => {
    expect(parse('create staff')).toEqual({ kind: 'create', collection: 'staff', json: false });
    expect(parse('list --json')).toEqual({ kind: 'list', json: true });
    expect(parse('delete staff')).toEqual({ kind: 'delete', collection: 'staff', json: false });
    expect(parse('index staff --id ada@x.org a.jpg b.jpg')).toEqual({
      kind: 'index',
      collection: 'staff',
      source: { id: 'ada@x.org', files: ['a.jpg', 'b.jpg'] },
      json: false,
    });
    expect(parse('index lfw --dir images --max-faces 3 --quality-filter high --json')).toEqual({
      kind: 'index',
      collection: 'lfw',
      source: { dir: 'images' },
      maxFaces: 3,
      qualityFilter: 'high',
      json: true,
    });
    expect(parse('search staff q.jpg --max-results 10 --max-fpir 0.05 --threshold 0.9')).toEqual({
      kind: 'search',
      collection: 'staff',
      files: ['q.jpg'],
      maxResults: 10,
      maxFpir: 0.05,
      threshold: 0.9,
      json: false,
    });
    expect(parse('faces staff --id Ada_Lovelace')).toEqual({
      kind: 'faces',
      collection: 'staff',
      externalId: 'Ada_Lovelace',
      json: false,
    });
    expect(parse('forget staff Ada_Lovelace --json')).toEqual({
      kind: 'forget',
      collection: 'staff',
      externalId: 'Ada_Lovelace',
      json: true,
    });
  });

  it.each([
    ['', /needs one of/],
    ['rename a b', /unknown collection command "rename"/],
    ['create', /needs the collection's NAME/],
    ['create bad/name', /NAME must be letters/],
    ['create a b', /takes only NAME/],
    ['list x', /takes no arguments/],
    ['index staff a.jpg', /either --id ID FILE... or --dir DIR/],
    ['index staff --id ada --dir d', /either --id/],
    ['index staff --id ada', /needs FILE/],
    ['index staff --dir d x.jpg', /takes no FILE/],
    ['index staff --id "Ada Lovelace" a.jpg', /ID|--id/],
    ['index staff --id ada a.jpg --max-faces 0', /--max-faces must be a whole number from 1 to 100/],
    ['index staff --id ada a.jpg --quality-filter strict', /--quality-filter must be one of none, auto/],
    ['search staff q.jpg --quality-filter none', /takes no --quality-filter/],
    ['search staff', /needs FILE/],
    ['search staff q.jpg --max-results 101', /--max-results must be a whole number from 1 to 100/],
    ['search staff q.jpg --max-fpir 1', /--max-fpir must be a number/],
    ['search staff q.jpg --threshold 2', /--threshold must be a number from -1 to 1/],
    ['search staff q.jpg --id ada', /takes no --id/],
    ['forget staff', /NAME and the person ID/],
    ['forget staff a b', /NAME and the person ID/],
    ['forget staff no/slash', /ID must be letters/],
    ['create staff --bogus', /Unknown option '--bogus'/],
  ])('refuses "%s"', (line, message) => {
    expect(() => parse(line)).toThrow(UsageError);
    expect(() => parse(line)).toThrow(message);
  });
});
