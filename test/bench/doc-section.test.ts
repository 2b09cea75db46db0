import { describe, expect, it } from 'vitest';
import { markedSections, replaceSection } from '../../scripts/load/doc-section.ts';

describe('marked sections of docs/benchmarks.md', () => {
  it('appends a section, then replaces only its own content', () => {
    const page = '# Benchmarks\n\ntext\n';
    const once = replaceSection(page, 'load', '## Load\n\n| a |\n');
    expect(once).toBe('# Benchmarks\n\ntext\n\n<!-- load:begin -->\n## Load\n\n| a |\n<!-- load:end -->\n');
    const both = replaceSection(once, 'soak', '## Soak');
    const again = replaceSection(both, 'load', '## Load\n\n| b |');
    expect(again).toContain('| b |');
    expect(again).not.toContain('| a |');
    expect(again.indexOf('load:begin')).toBeLessThan(again.indexOf('soak:begin'));
    expect(markedSections(again)).toEqual([
      '<!-- load:begin -->\n## Load\n\n| b |\n<!-- load:end -->',
      '<!-- soak:begin -->\n## Soak\n<!-- soak:end -->',
    ]);
    expect(markedSections(page)).toEqual([]);
  });
});
