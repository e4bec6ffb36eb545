// Reads a JSON file a person wrote and validates it with zod. Every problem names the file, the line
// and the field ("lead.json:7 profile.timezone: must be an IANA timezone"), so a marketer can fix
// it without reading a stack trace. Lines come from the `yaml` parser (JSON is YAML), which keeps
// source positions.
import { readFileSync } from 'fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

export class InputError extends Error {
  override name = 'InputError';
}

export function parseJsonInput<S extends z.ZodType>(text: string, schema: S, file: string): z.output<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    // Node names the position ("at position 41" or "(line 3 column 5)"); turn it into a line.
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : Number(/line (\d+)/.exec(msg)?.[1] ?? 1);
    throw new InputError(`${file}:${line}: not valid JSON (${msg})`);
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const lineOf = (path: PropertyKey[]): number => {
    // A missing field has no node: point at the closest parent that exists.
    for (let p = path.map((k) => (typeof k === 'symbol' ? String(k) : k)); ; p = p.slice(0, -1)) {
      const node = p.length ? doc.getIn(p, true) : doc.contents;
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
      if (!p.length) return 1;
    }
  };
  const problems = parsed.error.issues
    .map((i) => ({ line: lineOf(i.path), text: `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}` }))
    .sort((a, b) => a.line - b.line)
    .map((p) => `${file}:${p.line} ${p.text}`);
  throw new InputError(`${problems.length === 1 ? 'A problem' : `${problems.length} problems`} in ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

export function readJsonInput<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseJsonInput(text, schema, file);
}
