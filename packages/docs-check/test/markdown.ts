// Just enough Markdown for the documentation tests: fenced code blocks, links and heading anchors.

/** A fenced code block: its language, the words after it on the fence line, its text and first line. */
export interface CodeBlock {
  readonly lang: string;
  readonly flags: readonly string[];
  readonly code: string;
  readonly line: number;
}

/** Every fenced (```) code block of a Markdown text, in order. */
export function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trim().startsWith(fence)) body.push(lines[j++]!);
    blocks.push({
      lang: open[3]!.toLowerCase(),
      flags: open[4]!.split(/\s+/).filter((w) => w !== ''),
      code: body.join('\n'),
      line: i + 1,
    });
    i = j;
  }
  return blocks;
}

/** The text with fenced code blocks blanked (line numbers kept) and, unless kept, inline code spans removed. */
function prose(text: string, keepInlineCode = false): string {
  const lines = text.split('\n');
  let fence: string | null = null;
  return lines
    .map((line) => {
      const open = /^\s*(`{3,}|~{3,})/.exec(line);
      if (fence !== null) {
        if (line.trim().startsWith(fence)) fence = null;
        return '';
      }
      if (open !== null) {
        fence = open[1]!;
        return '';
      }
      return keepInlineCode ? line : line.replace(/(`+)[^`]*?\1/g, '');
    })
    .join('\n');
}

/** A link or image target found in prose, with its line. */
export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Every link and image target outside code: inline `[x](t)` / `![x](t)`, reference definitions, HTML src/href. */
export function links(text: string): Link[] {
  const out: Link[] = [];
  prose(text)
    .split('\n')
    .forEach((line, i) => {
      const patterns = [
        /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
        /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/g,
        /\b(?:src|href)="([^"]+)"/g,
      ];
      for (const pattern of patterns)
        for (const match of line.matchAll(pattern)) out.push({ target: match[1]!, line: i + 1 });
    });
  return out;
}

/** GitHub's anchor for a heading text: inline markup dropped, lower case, punctuation removed, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*_]/g, (c) => (c === '_' ? '_' : ''))
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown text defines: one per ATX heading (repeats numbered -1, -2, …) and explicit `id`/`name` attributes. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text, true).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      const base = slug(heading[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const match of line.matchAll(/\b(?:id|name)="([^"]+)"/g)) out.add(match[1]!);
  }
  return out;
}
