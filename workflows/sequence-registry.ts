// Which sequence a lead enters, and lookup of any version still running.
import type { SequenceDefinition, SequenceModule } from './sequence-dsl';
import type { Path } from './sequence-interpreter';
import { sequenceModules } from './sequences';
import type { Stage, Temperature } from './types';

export function findSequence(id: string, version: number, modules: SequenceModule[] = sequenceModules): SequenceDefinition | undefined {
  const m = modules.find((x) => x.current.id === id);
  if (!m) return undefined;
  return [m.current, ...(m.previous ?? [])].find((d) => d.version === version);
}

export function currentSequences(modules: SequenceModule[] = sequenceModules): SequenceDefinition[] {
  return modules.map((m) => m.current);
}

export function chooseSequence(
  lead: { stage: Stage; temperature: Temperature; source: string; done: string[]; doneThisStage: string[] },
  modules: SequenceModule[] = sequenceModules,
): SequenceDefinition | undefined {
  return currentSequences(modules)
    .filter((d) => d.entry.stages.includes(lead.stage))
    .filter((d) => !d.entry.temperatures || d.entry.temperatures.includes(lead.temperature))
    .filter((d) => !d.entry.sources || d.entry.sources.includes(lead.source))
    // Re-entry needs a stage change in between, so a finished sequence never restarts in a loop.
    .filter((d) => !lead.doneThisStage.includes(d.id) && (d.entry.reentry || !lead.done.includes(d.id)))
    .sort((a, b) => b.entry.priority - a.entry.priority || a.id.localeCompare(b.id))[0];
}

/** "4.onTimeout.0" -> [4, 'onTimeout', 0]: a position key as ledgers and migration rules write it. */
export const parsePosition = (key: string): Path => key.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/** Patch ids (see the lead workflow): entering version N > first, and migrating to it. */
export const enterPatch = (id: string, version: number): string => `sequence:${id}@v${version}`;
export const migratePatch = (id: string, version: number): string => `sequence:${id}@v${version}:migrate`;

/**
 * The version a lead enters. A sequence's definitions are workflow code: when a history recorded
 * under an older version is replayed (worker restart, cache eviction), the lead must enter the
 * version it entered then, or its commands change. So every version after the oldest kept one is
 * entered behind a patch marker: fresh entries take the newest (and record the marker); a replay
 * without the marker falls back, version by version, to the oldest.
 */
export function versionToEnter(chosen: SequenceDefinition, patched: (patchId: string) => boolean, modules: SequenceModule[] = sequenceModules): SequenceDefinition {
  const m = modules.find((x) => x.current.id === chosen.id);
  const versions = [...(m ? [m.current, ...(m.previous ?? [])] : [chosen])].sort((a, b) => b.version - a.version);
  for (const def of versions.slice(0, -1)) if (patched(enterPatch(def.id, def.version))) return def;
  return versions[versions.length - 1];
}

/**
 * An explicit migration rule of the sequence's module that moves a lead from the old version it is
 * on (at position `at`) to the current version. Without a rule for that version and position the
 * lead stays on the version it entered with.
 */
export function migrationFor(id: string, version: number, at: string, modules: SequenceModule[] = sequenceModules): { version: number; path: Path } | undefined {
  const m = modules.find((x) => x.current.id === id);
  if (!m || m.current.version === version) return undefined;
  const to = m.migrate?.find((r) => r.fromVersion === version)?.positions[at];
  return to === undefined ? undefined : { version: m.current.version, path: parsePosition(to) };
}
