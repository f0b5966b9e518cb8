import fs from 'node:fs';
import path from 'node:path';

const preamble = `# Benchmarks

\`npm run bench\` runs every module \`bench/<id>.bench.ts\` and rewrites that module's section of
this page, between its \`<!-- bench:<id> start -->\` and \`<!-- bench:<id> end -->\` markers.
Text outside the markers is kept, so notes may be added between sections.
\`npm run bench -- <id>\` runs one module. Each section names the machine, commit and date behind
its figures; compare figures within one section, or across sections measured on the same machine.
`;

const startMarker = (id: string) => `<!-- bench:${id} start -->`;
const endMarker = (id: string) => `<!-- bench:${id} end -->`;

/**
 * Writes `section` between the markers for `id` in the Markdown file, replacing what was there,
 * or appends it with its markers when the file has none for `id`. Creates the file if missing.
 */
export function writeSection(file: string, id: string, section: string): void {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : preamble;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, replaceSection(current, id, section));
}

export function replaceSection(document: string, id: string, section: string): string {
  const block = `${startMarker(id)}\n${section.trim()}\n${endMarker(id)}`;
  const start = document.indexOf(startMarker(id));
  const end = document.indexOf(endMarker(id));

  if (start === -1 && end === -1) return `${document.trimEnd()}\n\n${block}\n`;
  if (start === -1 || end < start) {
    throw new Error(
      `The bench:${id} start and end markers are unpaired or out of order in the report. Fix them by hand and run again`,
    );
  }
  return document.slice(0, start) + block + document.slice(end + endMarker(id).length);
}

/** Renders a Markdown table whose columns at the indexes in `rightAligned` are aligned right. */
export function markdownTable(
  header: string[],
  rows: string[][],
  rightAligned: number[] = [],
): string {
  const rule = header.map((_, index) => (rightAligned.includes(index) ? '---:' : '---'));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Formats a number with thousands separators and the given number of decimals. */
export function formatNumber(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}
