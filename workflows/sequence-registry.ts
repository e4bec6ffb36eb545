// Which sequence a lead enters, and lookup of any version still running.
import type { SequenceDefinition, SequenceModule } from './sequence-dsl';
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
