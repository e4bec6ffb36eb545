// Every sequence that ships with the worker: one file per sequence, registered here. Published as
// content at worker start (activities/content); the workflow bundle never imports this folder.
import type { SequenceDefinition, SequenceModule } from '../../workflows/sequences/dsl';
import { coldEducation } from './cold-education';
import { deferredKeepInTouch } from './deferred-keep-in-touch';
import { farewellSurvey } from './farewell-survey';
import { hotFastTrack } from './hot-fast-track';
import { warmConsideration } from './warm-consideration';

export const sequenceModules: SequenceModule[] = [coldEducation, warmConsideration, hotFastTrack, farewellSurvey, deferredKeepInTouch];

/** One version of a shipped sequence (tools: lint, preview). */
export function findShippedSequence(id: string, version: number): SequenceDefinition | undefined {
  const m = sequenceModules.find((x) => x.current.id === id);
  return m ? [m.current, ...(m.previous ?? [])].find((d) => d.version === version) : undefined;
}
