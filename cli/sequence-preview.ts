// Preview of a nurture sequence for marketers: the real lead workflow runs on the time-skipping test
// server with mail sending captured, for one sample lead and a script of what the lead does. The
// result is the timeline the engine would produce -- mails and when (in the lead's timezone),
// branches, waits, when and why the lead leaves -- and every mail rendered by the real renderer.
// Nothing here re-implements the sequence: it cannot drift from production.
import type { WorkflowHandle } from '@temporalio/client';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { IANAZone, DateTime } from 'luxon';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import path from 'path';
import { escape } from 'html-escaper';
import { z } from 'zod';
import { businessTime, nextCalendarTime, nextHoliday } from '../activities/calendar';
import { createContentActivities } from '../activities/content';
import { chooseSequence, contentHash } from '../domain/content/catalogue';
import { memoryContentStore } from '../domain/content/memory-store';
import { publishShipped } from '../domain/content/shipped';
import { capUntil, consentDecision, quietUntil } from '../domain/mail/policy';
import { render } from '../domain/mail/render';
import { RECONTACT_TEMPLATE } from '../domain/mail/recontact';
import { TEMPLATES, isTemplateId, type TemplateSpec } from '../domain/mail/templates';
import type { LeadActivities, LeadEventRecord, SendEmailRequest, SendEmailResult } from '../workflows/activity-contract';
import type { LeadWorkflowInput } from '../workflows/lead/lifecycle';
import { initialState } from '../workflows/lead/state';
import { featuresOf } from '../workflows/features';
import { contactVariables } from '../workflows/handoff/card';
import { computeScore, emptyBehaviour } from '../workflows/qualification/scoring';
import { scoringRules } from '../content/scoring-rules';
import { acceptAssignmentUpdate, leadEventSignal, profileUpdatedSignal, stateQuery, type LeadView } from '../workflows/lead/messages';
import type { SequenceDefinition, Step } from '../workflows/sequences/dsl';
import { describeCondition } from '../domain/content/describe-step';
import { startState, stepAt, type Path } from '../workflows/sequences/interpreter';
import { FINAL_STAGES, LEAD_EVENT_TYPES, STAGES, type LeadProfile, type Stage } from '../workflows/types';
import { frequencyCap, loadConfig, quietHours } from '../runtime/config';
import { InputError } from './json-input';
import { emailTaskQueue } from '../workflows/task-queues';
import { previewPage } from './sequence-preview-page';

const DAY = 86_400_000;
/** Past each wake-up: the test server only moves its clock on once the work due then is done. */
const SETTLE_MS = 1000;

// --- inputs (zod: the CLI reads them from files a person wrote) --------------------------------------
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)');
const profileFields = {
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  company: text(200).optional(),
  companySize: z.number().int().min(1).optional(),
  industry: text(100).optional(),
  jobTitle: text(200).optional(),
  phone: text(40).optional(),
  website: text(500).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 two-letter code like PL').optional(),
  source: text(100).default('web_form'),
  campaignId: text(100).optional(),
};
const profileSchema = z
  .object({
    email: z.email('must be an e-mail address'),
    ...profileFields,
    locale: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'must be a language code like en or pl-PL').default('en'),
    timezone: z.string().refine((tz) => IANAZone.isValidZone(tz), 'must be an IANA timezone like Europe/Warsaw'),
    consent: z.enum(['unknown', 'pending', 'confirmed', 'withdrawn', 'not_required']).default('confirmed'),
  })
  .strict();

export const previewLeadSchema = z
  .object({
    /** The lead id: A/B splits are deterministic per lead, so this picks the variant too. */
    id: z.string().regex(/^[\w.-]{1,80}$/, 'letters, digits, _ . - only').default('preview-lead'),
    /** The stage the lead is in when it enters; default: the sequence's first entry stage. */
    stage: z.enum(STAGES).optional(),
    profile: profileSchema,
  })
  .strict();
export type PreviewLead = z.output<typeof previewLeadSchema>;

const EMAIL_EVENTS = ['email_opened', 'email_clicked', 'replied', 'bounced', 'unsubscribed'] as const;
const actionSchema = z
  .object({
    /** Days after the lead entered (0 = the first day); fractions allowed. */
    day: z.number().min(0, 'must be 0 or more'),
    /** Wall-clock time that day in the lead's timezone; default: the time it entered. */
    time: hhmm.optional(),
    do: z.enum([...LEAD_EVENT_TYPES, 'profile_updated'] as const, { message: `must be one of ${[...LEAD_EVENT_TYPES, 'profile_updated'].join(', ')}` }),
    /** Which mail the event is about, counting the lead's mails from 1 (for opens, clicks, replies). */
    mail: z.number().int().min(1).optional(),
    /** The page, for page_viewed. */
    url: z.string().startsWith('/', 'must be a site path like /pricing').optional(),
    data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    /** New profile fields, for profile_updated (e.g. enrichment found the job title). */
    changes: z.object(profileFields).partial().strict().optional(),
    note: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.do === 'page_viewed' && !a.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'page_viewed needs the page, e.g. "url": "/pricing"' });
    if (a.do === 'profile_updated' && !a.changes) ctx.addIssue({ code: 'custom', path: ['changes'], message: 'profile_updated needs "changes"' });
    if (a.mail !== undefined && !(EMAIL_EVENTS as readonly string[]).includes(a.do)) ctx.addIssue({ code: 'custom', path: ['mail'], message: `"mail" applies to ${EMAIL_EVENTS.join(', ')}` });
  });

export const previewScriptSchema = z
  .object({
    /** When the lead enters, lead-local "YYYY-MM-DDTHH:MM"; default: tomorrow 09:00 in its timezone. */
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be a local date and time like 2027-03-01T09:00').optional(),
    /** How far to look ahead. */
    days: z.number().positive().max(3660).default(180),
    actions: z.array(actionSchema).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.actions.forEach((a, i) => {
      if (a.day > s.days) ctx.addIssue({ code: 'custom', path: ['actions', i, 'day'], message: `is after the end of the preview (days: ${s.days})` });
    });
  });
export type PreviewScript = z.output<typeof previewScriptSchema>;

// --- output ------------------------------------------------------------------------------------------
export type EntryKind = 'enter' | 'mail' | 'deferred' | 'wait' | 'waitFor' | 'branch' | 'split' | 'stage' | 'temperature' | 'score' | 'sales' | 'lead' | 'leave' | 'note';

export interface TimelineEntry {
  at: number;
  kind: EntryKind;
  text: string;
  /** The sequence and step (position) the entry belongs to, when it does. */
  sequence?: string;
  step?: string;
  detail?: Record<string, unknown>;
}

export interface PreviewMail {
  n: number;
  at: number;
  template: string;
  subject: string;
  locale: string;
  sequence?: { id: string; version: number; step: string };
  to: string;
  file?: string;
}

export interface PreviewResult {
  sequence: { id: string; version: number; name: string; definition: SequenceDefinition };
  lead: { id: string; email: string; timezone: string; locale: string };
  start: number;
  end: number;
  timeline: TimelineEntry[];
  mails: PreviewMail[];
  /** When and why the lead left the previewed sequence; null if still in it at the end. */
  left: { at: number; reason: string } | null;
  finalStage: Stage;
  /** Set when, with this profile, the engine would pick another sequence first. */
  entryNote: string | null;
  /** The lead's score (rounded) each time it changed, for the chart. */
  scores: { at: number; score: number }[];
}

export interface PreviewOptions {
  env: TestWorkflowEnvironment;
  sequence: SequenceDefinition;
  lead: PreviewLead;
  script: PreviewScript;
  /** Folder for the rendered mails (index.html + one .html and .txt per mail). */
  outDir?: string;
  /** Keep the bundled workflow code here between runs (keyed by its sources). */
  bundleCacheDir?: string;
  /** A bundle of workflows/ made elsewhere (the test run's shared one): no bundling here at all. */
  workflowBundle?: { code: string };
}

const WORKFLOWS_DIR = path.join(__dirname, '..', 'workflows');
let bundle: Promise<{ code: string }> | undefined;

/** Everything the workflow bundle is made of: the workflow sources and the locked dependencies. */
function bundleKey(): string {
  const hash = createHash('sha256');
  const files = (readdirSync(WORKFLOWS_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
  for (const f of files) hash.update(f).update(readFileSync(path.join(WORKFLOWS_DIR, f)));
  const lock = path.join(__dirname, '..', 'package-lock.json');
  if (existsSync(lock)) hash.update(readFileSync(lock));
  return hash.digest('hex').slice(0, 24);
}

/**
 * The lead workflow bundled once per process; with `cacheDir`, also kept on disk under a key of
 * its sources, so a marketer's next preview skips the seconds of bundling unless code changed.
 */
function workflowBundle(cacheDir?: string): Promise<{ code: string }> {
  bundle ??= (async () => {
    const file = cacheDir ? path.join(cacheDir, `workflows-${bundleKey()}.js`) : undefined;
    if (file && existsSync(file)) return { code: readFileSync(file, 'utf8') };
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet as never });
    if (file) {
      mkdirSync(cacheDir!, { recursive: true });
      writeFileSync(file, code);
    }
    return { code };
  })();
  return bundle;
}

const stepOf = (def: SequenceDefinition, key: string): Step | undefined => stepAt(def, key.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x)) as Path);

/** Runs the preview. The caller owns `env` (one server can serve many previews). */
export async function previewSequence(opts: PreviewOptions): Promise<PreviewResult> {
  const { env, sequence: def, lead, script } = opts;
  const profile: LeadProfile = lead.profile;
  const zone = profile.timezone;
  const config = loadConfig({ ...process.env, LINK_SIGNING_SECRET: process.env.LINK_SIGNING_SECRET ?? 'x'.repeat(32) });
  const quiet = quietHours(config);
  const cap = frequencyCap(config);
  const site = config.SITE_URL.replace(/\/$/, '');
  const leadId = lead.id;
  const stage = lead.stage ?? def.entry.stages[0];

  const records: LeadEventRecord[] = [];
  const seenKeys = new Set<string>();
  const mails: PreviewMail[] = [];
  const sentKeys = new Map<string, string>();
  const marketingSent: Date[] = [];
  let consent = profile.consent;
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });

  // Mail sending captured: the send-time policy of domain/mail/policy.ts (consent, quiet hours, cap) is
  // applied with its own functions, then the mail is rendered by the real renderer into outDir.
  const sendEmail = async (req: SendEmailRequest): Promise<SendEmailResult> => {
    const prior = sentKeys.get(req.idempotencyKey);
    if (prior) return { status: 'already_sent', messageId: prior };
    if (!isTemplateId(req.template)) throw new Error(`unknown template ${req.template}`);
    const spec: TemplateSpec = TEMPLATES[req.template];
    const at = req.now ? new Date(req.now) : new Date(Number(await env.currentTimeMs()));
    const toLead = req.to === undefined;
    const marketing = req.kind === 'marketing' || spec.kind === 'marketing';
    if (toLead && marketing) {
      const c = consentDecision(consent);
      if (c === 'refused') return { status: 'suppressed', reason: 'consent withdrawn' };
      if (c === 'pending') return { status: 'deferred', until: new Date(at.getTime() + DAY).toISOString(), reason: 'consent_pending' };
      const q = quietUntil(at, zone, quiet);
      if (q) return { status: 'deferred', until: q.toISOString(), reason: 'quiet_hours' };
      const capped = capUntil(at, marketingSent, cap);
      if (capped) return { status: 'deferred', until: capped.toISOString(), reason: 'frequency_cap' };
    }
    const n = mails.length + 1;
    const mail = await render(req.template, req.locale, {
      // What the real send activity reads from the lead's row.
      ...contactVariables(profile),
      // ... and, for a re-contact task mail, from its Task row.
      ...(req.template === RECONTACT_TEMPLATE ? { refusal: 'preview', refusalNote: null, surveyAnswers: null, behaviourSince: 'preview' } : {}),
      ...req.variables,
      companyName: config.COMPANY_NAME,
      companyAddress: config.COMPANY_ADDRESS,
      unsubscribeUrl: `${config.PUBLIC_BASE_URL}/unsubscribe/preview`,
      openUrl: 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
      ctaUrl: `${site}${(req.variables.offerPath as string | undefined) ?? spec.ctaPath ?? '/'}`,
      surveyUrl: `${config.PUBLIC_BASE_URL}/survey/preview`,
      // The stand-in manager's card: its Accept / Send back links lead nowhere in a preview.
      acceptUrl: `${config.PUBLIC_BASE_URL}/handoff/preview-accept`,
      sendBackUrl: `${config.PUBLIC_BASE_URL}/handoff/preview-send-back`,
      leadId,
      locale: req.locale ?? profile.locale,
    }, req.subject);
    const subject = mail.subject;
    const entry: PreviewMail = { n, at: at.getTime(), template: req.template, subject, locale: mail.locale, to: req.to ?? profile.email, ...(req.sequence ? { sequence: req.sequence } : {}) };
    if (opts.outDir) {
      const base = `${String(n).padStart(2, '0')}-${req.template}`;
      writeFileSync(path.join(opts.outDir, `${base}.html`), mail.html.replace(/<title>[^<]*<\/title>/, `<title>${escape(subject)}</title>`));
      writeFileSync(path.join(opts.outDir, `${base}.txt`), `Subject: ${subject}\nTo: ${entry.to}\n\n${mail.text}`);
      entry.file = `${base}.html`;
    }
    mails.push(entry);
    if (toLead && marketing) marketingSent.push(at);
    const messageId = `<preview-${n}@leadflow>`;
    sentKeys.set(req.idempotencyKey, messageId);
    return { status: 'sent', messageId };
  };

  let assignments = 0;
  // The content catalogue as shipped: what the lead would be offered around the previewed sequence.
  const content = memoryContentStore();
  await publishShipped(content);
  const activities: LeadActivities = {
    ...createContentActivities(content),
    async recordLeadEvents(_leadId, events) {
      for (const e of events) {
        if (seenKeys.has(e.dedupKey)) continue;
        seenKeys.add(e.dedupKey);
        records.push(e);
      }
    },
    async syncLeadSnapshot() {},
    async persistLead(leadId, events) {
      await activities.recordLeadEvents(leadId, events);
    },
    sendEmail,
    nextCalendarTime: async (rule, tz, after, country) => nextCalendarTime(rule, tz, after, country),
    businessTime: async (after, plusMs, tz, country) => businessTime(after, plusMs, tz, country),
    nextHoliday: async (country, locale, tz, after) => nextHoliday(country, locale, tz, after),
    // Sales is outside the preview: one stand-in manager takes every hand-off (and accepts it below).
    async routeLead(req) {
      assignments += 1;
      return { assigned: true, managerId: 'preview-manager', managerEmail: 'sales@preview.invalid', assignmentId: `preview-a${assignments}`, reason: 'preview: a sales manager', slaDueAt: new Date(Date.parse(req.now) + 2 * 3_600_000).toISOString() };
    },
    async closeAssignment() {},
    async createClient(id) {
      return { clientId: `client-${id}` };
    },
    async createRecontactTask() {
      return { taskId: 'preview-task', managerId: 'preview-manager', managerEmail: 'sales@preview.invalid', why: 'preview' };
    },
  };

  const taskQueue = `preview-${leadId}-${process.pid}-${Date.now()}`;
  const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: opts.workflowBundle ?? (await workflowBundle(opts.bundleCacheDir)), activities });
  const email = await Worker.create({ connection: env.nativeConnection, taskQueue: emailTaskQueue(taskQueue), activities: { sendEmail } });

  const timeline: TimelineEntry[] = [];
  const scores: PreviewResult['scores'] = [];
  let start = 0;
  let left: PreviewResult['left'] = null;
  let finalStage: Stage = stage;
  const workflowId = `lead-${leadId}`;

  await main.runUntil(
    email.runUntil(async () => {
      // The test server's clock starts at the real time; move it to the requested start.
      const serverNow = Number(await env.currentTimeMs());
      const wanted = script.start
        ? DateTime.fromISO(script.start, { zone })
        : DateTime.fromMillis(serverNow, { zone }).plus({ days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
      if (!wanted.isValid || wanted.toMillis() < serverNow) {
        throw new InputError(`start "${script.start}": must be a valid local time in the future (now ${DateTime.fromMillis(serverNow, { zone }).toFormat("yyyy-LL-dd'T'HH:mm")} in ${zone})`);
      }
      await env.sleep(wanted.toMillis() - serverNow);
      start = Number(await env.currentTimeMs());
      const end = start + script.days * DAY;

      // The lead enters the sequence exactly as the workflow would have put it there: its state
      // carried in (as continue-as-new does), in the entry stage, at the sequence's first step.
      const carried = initialState(leadId, featuresOf(profile), start);
      carried.stage = stage;
      carried.sequenceEntries = { [def.id]: 1 };
      carried.seq = startState(def, start, 1);
      carried.seqContent = { id: def.id, version: def.version, hash: contentHash({ definition: def }), definition: def };
      carried.outbox.push({ dedupKey: `${leadId}:preview-enter`, type: 'sequence_entered', occurredAt: new Date(start).toISOString(), payload: { sequence: def.id, version: def.version } });
      const handle = await env.client.workflow.start('leadLifecycle', { workflowId, taskQueue, args: [{ leadId, profile, carried } satisfies LeadWorkflowInput] });
      await env.sleep(SETTLE_MS);

      // Each action at its lead-local wall-clock time.
      const startLocal = DateTime.fromMillis(start, { zone });
      const actions = script.actions
        .map((a, i) => {
          let t = startLocal.plus({ milliseconds: Math.round(a.day * DAY) });
          if (a.time) {
            const [h, m] = a.time.split(':').map(Number);
            t = startLocal.plus({ days: Math.floor(a.day) }).set({ hour: h, minute: m });
          }
          return { ...a, i, at: Math.max(t.toMillis(), start) };
        })
        .sort((a, b) => a.at - b.at || a.i - b.i);

      let lastWait = '';
      let handled = 0;
      // What the workflow must have recorded before its state is read (see settled()).
      const delivered = new Set<string>();
      let profileUpdates = 0;
      const accepted = new Set<string>();
      let view: LeadView;
      for (let round = 0; ; round++) {
        if (round > 20_000) throw new Error('preview: the lead never settles (more than 20000 wake-ups)');
        view = await settled(handle, env, () => records.length > 0 && [...delivered].every((k) => seenKeys.has(k)) && records.filter((r) => r.type === 'profile_updated').length >= profileUpdates);
        const score = Math.round(view.score.total);
        if (scores[scores.length - 1]?.score !== score) scores.push({ at: Number(await env.currentTimeMs()), score });
        handled = collect(records, handled, def, mails, timeline, zone, (r) => {
          if (r.type === 'sequence_left' && (r.payload as { sequence?: string })?.sequence === def.id && !left) left = { at: Date.parse(r.occurredAt), reason: r.reason ?? '' };
        });
        // Sales is simulated: the stand-in manager accepts a hand-off at once.
        const offered = records.filter((r) => r.type === 'assigned').map((r) => String((r.payload as { assignmentId?: string }).assignmentId));
        const open = offered.find((id) => !accepted.has(id));
        if (view.stage === 'handed_off' && open) {
          accepted.add(open);
          await handle.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: 'preview-manager' }] });
          timeline.push({ at: Number(await env.currentTimeMs()), kind: 'note', text: '(preview) the sales manager accepts the lead at once' });
          continue;
        }
        const now = Number(await env.currentTimeMs());
        if ((FINAL_STAGES as readonly string[]).includes(view.stage) || now >= end) break;
        const wake = view.nextWakeAt ? Date.parse(view.nextWakeAt) : Infinity;
        const next = actions[0];
        const target = Math.min(wake, next?.at ?? Infinity, end);
        // Waits: the sequence's own as soon as they start; others (cooling, holidays) when reached.
        const seq = view.sequence;
        const seqWait = seq?.waitingFor ? Date.parse(seq.waitingFor.until) : seq && view.nextWakeReason?.startsWith(`sequence ${seq.id}`) ? wake : null;
        if (seq && seqWait !== null && `${seq.id}@${seq.position}:${seqWait}` !== lastWait) {
          lastWait = `${seq.id}@${seq.position}:${seqWait}`;
          const step = seq.id === def.id ? stepOf(def, seq.position) : undefined;
          timeline.push({ at: now, kind: 'wait', text: `waits ${span(seqWait - now)} until ${local(seqWait, zone)}${step ? `: ${describeWait(step)}` : ''}`, sequence: seq.id, step: seq.position, detail: { until: seqWait } });
        } else if (seqWait === null && wake === target && wake < end && view.nextWakeAt !== lastWait) {
          lastWait = view.nextWakeAt!;
          timeline.push({ at: now, kind: 'wait', text: `waits ${span(wake - now)} until ${local(wake, zone)}: ${view.nextWakeReason}`, detail: { until: wake, reason: view.nextWakeReason } });
        }
        if (next && next.at === target) {
          if (target > now) await env.sleep(target - now);
          actions.shift();
          timeline.push(await deliver(next, handle, mails, env));
          if (next.do === 'profile_updated') profileUpdates += 1;
          else delivered.add(`${leadId}:e:script-${next.i}`);
          if (next.do === 'consent_confirmed') consent = 'confirmed';
        }
        // Let the work due at `target` finish before looking again.
        await env.sleep(Math.max(target - Number(await env.currentTimeMs()), 0) + SETTLE_MS);
      }
      finalStage = view.stage;
      await handle.terminate('preview finished').catch(() => undefined);
    }),
  );
  // Mails outside any sequence step (holiday greetings, offers, the manager's lead card).
  for (const m of mails) if (!timeline.some((e) => e.detail?.mail === m.n)) timeline.push(mailEntry(m, m.at));
  timeline.sort((a, b) => a.at - b.at);
  const temperature = computeScore(profile, emptyBehaviour(start), start, scoringRules).temperature;
  const chosen = await chooseSequence(content, { stage, temperature, source: profile.source, done: [], doneThisStage: [] });
  const result: PreviewResult = {
    sequence: { id: def.id, version: def.version, name: def.name, definition: def },
    lead: { id: leadId, email: profile.email, timezone: zone, locale: profile.locale },
    start,
    end: start + script.days * DAY,
    timeline,
    mails,
    left,
    finalStage,
    scores,
    entryNote: !def.entry.stages.includes(stage)
      ? `stage ${stage} is not an entry stage of ${def.id} (${def.entry.stages.join(', ')}); the preview puts the lead in anyway`
      : chosen?.id !== def.id
        ? `a ${temperature} lead in stage ${stage} would enter ${chosen?.id ?? 'no sequence'}, not ${def.id}; the preview puts it into ${def.id} directly`
        : null,
  };
  if (opts.outDir) writeFileSync(path.join(opts.outDir, 'index.html'), previewPage(result));
  return result;
}

/**
 * The lead's state once the workflow has caught up. The test server may move its clock on while a
 * loaded worker has not yet taken its task, so wait (in real time, clock still) until the loop
 * iteration finished: it records what it absorbed only at its end (`recorded`), and a wake-up
 * that fired is replaced by the next one, in the future.
 */
async function settled(handle: WorkflowHandle, env: TestWorkflowEnvironment, recorded: () => boolean): Promise<LeadView> {
  for (let i = 0; ; i++) {
    const view = await handle.query(stateQuery);
    const now = Number(await env.currentTimeMs());
    const caughtUp = recorded() && (view.nextWakeAt === null || Date.parse(view.nextWakeAt) > now);
    if (caughtUp || i >= 500 || (FINAL_STAGES as readonly string[]).includes(view.stage)) return view;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function deliver(
  a: PreviewScript['actions'][number] & { i: number; at: number },
  handle: WorkflowHandle,
  mails: PreviewMail[],
  env: TestWorkflowEnvironment,
): Promise<TimelineEntry> {
  const at = Number(await env.currentTimeMs());
  if (a.do === 'profile_updated') {
    await handle.signal(profileUpdatedSignal, { id: `script-${a.i}`, changes: a.changes ?? {} });
    return { at, kind: 'lead', text: `profile updated: ${Object.entries(a.changes ?? {}).map(([k, v]) => `${k} = ${v}`).join(', ')}${a.note ? ` (${a.note})` : ''}`, detail: { script: a.i } };
  }
  const mail = a.mail !== undefined ? mails[a.mail - 1] : undefined;
  const data: Record<string, string | number | boolean | null> = { ...(a.data ?? {}), ...(a.url ? { url: a.url } : {}), ...(mail ? { template: mail.template } : {}) };
  await handle.signal(leadEventSignal, { id: `script-${a.i}`, type: a.do, ...(Object.keys(data).length ? { data } : {}) });
  const about = a.mail === undefined ? '' : mail ? ` mail ${a.mail} (${mail.template})` : ` mail ${a.mail}, which has not been sent yet`;
  return { at, kind: 'lead', text: `lead: ${a.do}${about}${a.url ? ` ${a.url}` : ''}${a.note ? ` (${a.note})` : ''}`, detail: { script: a.i, event: a.do, ...(a.mail ? { about: a.mail } : {}) } };
}

function mailEntry(m: PreviewMail, at: number): TimelineEntry {
  return {
    at,
    kind: 'mail',
    // Sequence mails go to the lead; say where the others go (the sales manager's lead card).
    text: `mail ${m.n}: ${m.template} "${m.subject}"${m.sequence ? '' : ` to ${m.to}`}${m.file ? ` -> ${m.file}` : ''}`,
    ...(m.sequence ? { sequence: m.sequence.id, step: m.sequence.step } : {}),
    detail: { mail: m.n, template: m.template },
  };
}

/** Turns the workflow's LeadEvent records into timeline entries; returns how many are handled. */
function collect(records: LeadEventRecord[], from: number, def: SequenceDefinition, mails: PreviewMail[], out: TimelineEntry[], zone: string, seen: (r: LeadEventRecord) => void): number {
  for (const r of records.slice(from)) {
    seen(r);
    const at = Date.parse(r.occurredAt);
    const p = (r.payload ?? {}) as Record<string, unknown>;
    const seqId = typeof p.sequence === 'string' ? p.sequence : undefined;
    const step = typeof p.step === 'string' ? p.step : undefined;
    const own = seqId ? { sequence: seqId, ...(step !== undefined ? { step } : {}) } : {};
    const s = seqId === def.id && step !== undefined ? stepOf(def, step) : undefined;
    switch (r.type) {
      case 'sequence_entered':
        out.push({ at, kind: 'enter', text: `enters ${seqId} v${p.version}`, ...own });
        break;
      case 'sequence_send':
        if (p.status === 'deferred') out.push({ at, kind: 'deferred', text: `mail ${p.template} held back (${String(p.reason).replace(/_/g, ' ')}) until ${local(Date.parse(String(p.until)), zone)}`, ...own, detail: p });
        else if (p.status === 'sent' || p.status === 'already_sent') {
          const n = Number(/preview-(\d+)@/.exec(String(p.messageId))?.[1]);
          const m = mails[n - 1];
          out.push(m ? mailEntry(m, at) : { at, kind: 'mail', text: `sends ${p.template}`, ...own, detail: p });
        }
        else out.push({ at, kind: 'mail', text: `mail ${p.template} not sent: ${p.status} (${p.reason ?? p.error ?? ''})`, ...own, detail: p });
        break;
      case 'sequence_branch':
        out.push({ at, kind: 'branch', text: `branch${s?.kind === 'branch' ? ` "${describeCondition(s.when)}"` : ''}: ${p.taken === 'then' ? 'yes' : 'no'} -> ${p.taken}`, ...own, detail: { taken: p.taken } });
        break;
      case 'sequence_split':
        out.push({ at, kind: 'split', text: `A/B split: variant ${p.variant} (lead's bucket ${p.bucket} of 100)`, ...own, detail: { variant: p.variant } });
        break;
      case 'sequence_waitFor':
        out.push({ at, kind: 'waitFor', text: p.outcome === 'event' ? `the awaited ${s?.kind === 'waitFor' ? s.events.join('/') : 'event'} came: onEvent branch` : `no ${s?.kind === 'waitFor' ? s.events.join('/') : 'event'} in time: onTimeout branch`, ...own, detail: { outcome: p.outcome } });
        break;
      case 'sequence_held':
        out.push({ at, kind: 'deferred', text: `mail ${p.template} held back (${p.reason}) until ${local(Date.parse(String(p.until)), zone)}`, ...own, detail: p });
        break;
      case 'sequence_left':
        out.push({ at, kind: 'leave', text: `leaves ${seqId}: ${r.reason}`, ...own, detail: { reason: r.reason } });
        break;
      case 'stage_changed':
        out.push({ at, kind: 'stage', text: `stage ${r.stageFrom} -> ${r.stageTo}: ${roundScores(r.reason ?? '')}` });
        break;
      case 'temperature_changed':
        out.push({ at, kind: 'temperature', text: `temperature ${roundScores(r.reason ?? '')}` });
        break;
      case 'sales_notified':
      case 'assigned':
        out.push({ at, kind: 'sales', text: r.type === 'assigned' ? `handed to sales (${r.reason})` : `notifies sales: ${r.reason}` });
        break;
      case 'holiday_greeting_sent':
        break;
      default:
        // The lead's own events are shown where the script delivers them; the rest as notes.
        if (!(LEAD_EVENT_TYPES as readonly string[]).includes(r.type) && !['lead_created', 'assignment_accepted'].includes(r.type)) out.push({ at, kind: 'note', text: `${r.type.replace(/_/g, ' ')}${r.reason ? `: ${r.reason}` : ''}` });
        else if (r.type === 'form_submitted' && p.manual) {
          // An addScore step: the workflow records it as a manual form event keyed by the step.
          const key = /:e:([^:]+):v\d+:([^:]+):\d+$/.exec(r.dedupKey);
          const st = key && key[1] === def.id ? stepOf(def, key[2]) : undefined;
          out.push({ at, kind: 'score', text: `adds ${st?.kind === 'addScore' ? `${st.points} points` : 'points'}: ${p.manual}`, ...(key ? { sequence: key[1], step: key[2] } : {}) });
        } else if (typeof p.points === 'number' && p.points !== 0) {
          // Points of a scripted event go on its own line; others (e.g. addScore) get one.
          const i = /:e:script-(\d+)$/.exec(r.dedupKey)?.[1];
          const own = i === undefined ? undefined : out.find((e) => e.detail?.script === Number(i));
          const pts = `${p.points > 0 ? '+' : ''}${Math.round(p.points)} points`;
          if (own) own.text += ` (${pts})`;
          else out.push({ at, kind: 'score', text: `${r.type} ${pts}` });
        }
    }
  }
  return records.length;
}

export const local = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toFormat('ccc d LLL yyyy HH:mm');
/** Scores in reasons ("at score 38.44") as a person reads them: whole points. */
const roundScores = (text: string): string => text.replace(/\b\d+\.\d+\b/g, (n) => String(Math.round(Number(n))));

const ARM_WORDS: Record<string, string> = { then: 'if yes', else: 'if no', onEvent: 'on the event', onTimeout: 'on timeout' };

/** "3.v:B.0" -> "step 4, variant B, step 1": a position as a person counts it (a label, when the step has one). */
export function positionWords(def: SequenceDefinition, key: string): string {
  const parts = key.split('.');
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (/^\d+$/.test(p)) {
      const st = stepOf(def, parts.slice(0, i + 1).join('.'));
      words.push(`step ${Number(p) + 1}${st?.label ? ` "${st.label}"` : ''}`);
    } else words.push(p.startsWith('v:') ? `variant ${p.slice(2)}` : (ARM_WORDS[p] ?? p));
  }
  return words.join(', ');
}
const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function describeWait(step: Step): string {
  switch (step.kind) {
    case 'wait':
      return `wait ${step.duration}${step.businessDays ? ' (business days)' : ''}`;
    case 'waitUntil':
      return `waitUntil ${step.rule.weekdays?.length ? `next ${step.rule.weekdays.map((d) => WEEKDAYS[d]).join('/')} ` : ''}${step.rule.time}${step.rule.businessDays ? ' on a business day' : ''}`;
    case 'waitFor':
      return `waitFor ${step.events.join('/')}${step.urlPrefix ? ` ${step.urlPrefix}` : ''} (timeout ${step.timeout})`;
    case 'send':
      return `send ${step.template} held back`;
    default:
      return step.kind;
  }
}

function span(ms: number): string {
  const hours = Math.round(ms / 3_600_000);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return d ? `${d}d${h ? ` ${h}h` : ''}` : h ? `${h}h` : `${Math.max(1, Math.round(ms / 60_000))}min`;
}

/** Calendar day in the lead's timezone, counted from the start day (0). */
export const dayOf = (ms: number, start: number, zone: string): number =>
  Math.round(DateTime.fromMillis(ms, { zone }).startOf('day').diff(DateTime.fromMillis(start, { zone }).startOf('day'), 'days').days);

/** The timeline as text, dates in the lead's timezone. */
export function formatPreview(r: PreviewResult): string {
  const zone = r.lead.timezone;
  const lines = [
    `Preview of ${r.sequence.id} v${r.sequence.version} "${r.sequence.name}"`,
    `Lead ${r.lead.id} <${r.lead.email}>, ${r.lead.locale}, times in ${zone}; from ${local(r.start, zone)} for ${Math.round((r.end - r.start) / DAY)} days`,
    ...(r.entryNote ? [`Note: ${r.entryNote}`] : []),
    '',
  ];
  for (const e of r.timeline) {
    const day = dayOf(e.at, r.start, zone);
    const where = whereWords(e, r);
    lines.push(`day ${String(day).padStart(3)}  ${local(e.at, zone).padEnd(22)} ${e.kind.padEnd(11)} ${e.text}${where ? `  (${where})` : ''}`);
  }
  lines.push('');
  lines.push(
    r.left
      ? `Left ${r.sequence.id} on day ${dayOf(r.left.at, r.start, zone)} (${local(r.left.at, zone)}): ${r.left.reason}.`
      : `Still in ${r.sequence.id} at the end of the preview.`,
  );
  lines.push(`${r.mails.length} mail(s); stage at the end: ${r.finalStage}.`);
  return lines.join('\n');
}

/** Where an entry happened, in words: "step 4, variant B" (another sequence's positions by name only). */
export function whereWords(e: TimelineEntry, r: PreviewResult): string {
  if (!e.sequence) return '';
  if (e.sequence !== r.sequence.id) return e.sequence;
  return e.step !== undefined ? positionWords(r.sequence.definition, e.step) : '';
}
