// Every sequence that ships with the worker: one file per sequence, registered here.
import type { SequenceModule } from '../sequence-dsl';
import { coldEducation } from './cold-education';
import { deferredKeepInTouch } from './deferred-keep-in-touch';
import { farewellSurvey } from './farewell-survey';
import { hotFastTrack } from './hot-fast-track';
import { warmConsideration } from './warm-consideration';

export const sequenceModules: SequenceModule[] = [coldEducation, warmConsideration, hotFastTrack, farewellSurvey, deferredKeepInTouch];
