/** The error-versus-reject curves as a self-contained SVG line chart (no plotting dependency). */

export interface Curve {
  label: string;
  colour: string;
  dashed?: boolean;
  /** [rejected share, FNMR], both 0–1. */
  points: [number, number][];
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function ercSvg(title: string, curves: readonly Curve[], width = 760, height = 400): string {
  const margin = { left: 60, right: 250, top: 36, bottom: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const maxX = Math.max(...curves.flatMap((c) => c.points.map((p) => p[0])), 0.01);
  const peak = Math.max(...curves.flatMap((c) => c.points.map((p) => p[1])), 0.01);
  const step = niceStep(peak / 5);
  const maxY = Math.ceil(peak / step) * step;
  const x = (v: number) => margin.left + (v / maxX) * plotW;
  const y = (v: number) => margin.top + plotH - (v / maxY) * plotH;
  const fmt = (v: number) => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let v = 0; v <= maxY + 1e-9; v += step) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${(100 * v).toFixed(step < 0.01 ? 1 : 0)} %</text>`,
    );
  }
  const xStep = niceStep(maxX / 5);
  for (let v = 0; v <= maxX + 1e-9; v += xStep) {
    parts.push(
      `<line x1="${fmt(x(v))}" x2="${fmt(x(v))}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eee"/>`,
      `<text x="${fmt(x(v))}" y="${margin.top + plotH + 16}" text-anchor="middle">${Math.round(100 * v)} %</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">same-person pairs rejected (lowest quality first)</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">false non-match rate of the rest</text>`,
  );
  curves.forEach((c, i) => {
    const d = c.points.map((p, k) => `${k ? 'L' : 'M'}${fmt(x(p[0]))} ${fmt(y(p[1]))}`).join(' ');
    const dash = c.dashed ? ' stroke-dasharray="5 4"' : '';
    const ly = margin.top + 10 + i * 20;
    const lx = margin.left + plotW + 14;
    parts.push(
      `<path d="${d}" fill="none" stroke="${c.colour}" stroke-width="2"${dash}/>`,
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${c.colour}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(c.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
}
