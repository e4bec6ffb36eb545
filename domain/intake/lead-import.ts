// Bulk import of a CSV list: every row validated with the API's schema (domain/intake/lead-input.ts) and
// address checks; bad rows reported with their line and field; good rows taken in through the same
// intake core as `POST /leads`, in batches. Safe to re-run: people are deduplicated by e-mail and
// the import event's id derives from the file's content, so a second run changes nothing.
import type { Client } from '@temporalio/client';
import { parse, type CsvError } from 'csv-parse';
import { createHash } from 'crypto';
import type { Readable } from 'stream';
import type { Db } from '../db';
import type { EmailVerifier } from './email-verification';
import { intakeLead, InvalidLeadError, normaliseEmail, SuppressedError, UnknownCampaignError } from './intake';
import { CHANNELS, CSV_COLUMNS, csvRowToBody, fieldErrors, leadBodySchema, toIntakeInput } from './lead-input';

export interface BadRow {
  line: number;
  errors: { field: string; message: string }[];
}

export interface ImportSummary {
  rows: number;
  created: number;
  merged: number;
  /** Suppressed addresses (unsubscribed, bounced, erased): never taken in again. */
  suppressed: { line: number; email: string }[];
  bad: BadRow[];
  ms: number;
}

export interface ImportOptions {
  channel?: string;
  campaign?: string;
  batchSize?: number;
  /** Called after each batch (progress bar). */
  onProgress?: (done: number, total: number) => void;
}

const KNOWN_COLUMNS = new Set([...Object.keys(CSV_COLUMNS), 'channel', 'campaign', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'consent_status', 'consent_text_version', 'consent_source']);

export class ImportFileError extends Error {}

interface Row {
  line: number;
  record: Record<string, string>;
}

async function readRows(csv: string | Buffer | Readable): Promise<{ rows: Row[]; bad: BadRow[] }> {
  const bad: BadRow[] = [];
  let header: string[] = [];
  const parser = parse({
    columns: (h: string[]) => {
      header = h.map((c) => c.trim().toLowerCase());
      return header;
    },
    bom: true,
    trim: true,
    skip_empty_lines: true,
    info: true,
    // A malformed record (wrong column count, broken quotes) is reported, not fatal to the file.
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      const e = err as (CsvError & { lines?: number }) | undefined;
      bad.push({ line: e?.lines ?? 0, errors: [{ field: '(row)', message: e?.message ?? 'unreadable CSV record' }] });
      return undefined;
    },
  });
  const rows: Row[] = [];
  const done = (async () => {
    for await (const r of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) rows.push({ line: r.info.lines, record: r.record });
  })();
  if (typeof csv === 'string' || Buffer.isBuffer(csv)) parser.end(csv);
  else csv.pipe(parser);
  await done;
  const unknown = header.filter((c) => !KNOWN_COLUMNS.has(c));
  if (header.length && !header.includes('email')) throw new ImportFileError('the header has no email column');
  if (unknown.length) throw new ImportFileError(`unknown column(s): ${unknown.join(', ')} (known: ${[...KNOWN_COLUMNS].join(', ')})`);
  return { rows, bad };
}

export async function importLeads(deps: { db: Db; temporal: Client; taskQueue: string; verifier: EmailVerifier }, csv: string | Buffer, opts: ImportOptions = {}): Promise<ImportSummary> {
  const t0 = Date.now();
  const channel = opts.channel ?? 'import';
  if (!(CHANNELS as readonly string[]).includes(channel)) throw new ImportFileError(`channel: must be one of ${CHANNELS.join(', ')}`);
  const fileTag = createHash('sha256').update(csv).digest('hex').slice(0, 16);
  const { rows, bad } = await readRows(csv);
  const summary: ImportSummary = { rows: rows.length + bad.length, created: 0, merged: 0, suppressed: [], bad, ms: 0 };

  // Validate everything first, so a broken file reports all its problems at once.
  const good: { line: number; input: ReturnType<typeof toIntakeInput> }[] = [];
  for (const { line, record } of rows) {
    const parsed = leadBodySchema.safeParse(csvRowToBody(record, { channel, ...(opts.campaign ? { campaign: opts.campaign } : {}) }));
    if (!parsed.success) {
      bad.push({ line, errors: fieldErrors(parsed.error) });
      continue;
    }
    const check = await deps.verifier.verify(parsed.data.email);
    if (!check.ok) {
      bad.push({ line, errors: [{ field: 'email', message: check.reason }] });
      continue;
    }
    const email = normaliseEmail(parsed.data.email);
    good.push({ line, input: { ...toIntakeInput(parsed.data), event: { id: `import:${fileTag}:${email}`, type: 'form_submitted', data: { source: channel, file: fileTag } } } });
  }

  const size = Math.max(1, opts.batchSize ?? 50);
  const intakeDeps = { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue };
  let done = 0;
  opts.onProgress?.(0, good.length);
  for (let i = 0; i < good.length; i += size) {
    const batch = good.slice(i, i + size);
    // Rows of one person stay in file order (a batch runs people in parallel, each person serially).
    const byEmail = new Map<string, typeof batch>();
    for (const g of batch) {
      const k = normaliseEmail(g.input.email);
      byEmail.set(k, [...(byEmail.get(k) ?? []), g]);
    }
    await Promise.all(
      [...byEmail.values()].map(async (person) => {
        for (const { line, input } of person) {
          try {
            const r = await intakeLead(intakeDeps, input);
            if (r.created) summary.created += 1;
            else summary.merged += 1;
          } catch (e) {
            if (e instanceof SuppressedError) summary.suppressed.push({ line, email: input.email });
            else if (e instanceof UnknownCampaignError) bad.push({ line, errors: [{ field: 'campaign', message: e.message }] });
            else if (e instanceof InvalidLeadError) bad.push({ line, errors: e.errors });
            else throw e;
          }
        }
      }),
    );
    done += batch.length;
    opts.onProgress?.(done, good.length);
  }
  bad.sort((a, b) => a.line - b.line);
  summary.ms = Date.now() - t0;
  return summary;
}
