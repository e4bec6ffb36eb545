// The baseline's activity: nothing but the Temporal round trip.
export interface BenchNoopActivities {
  benchNoop(step: number): Promise<number>;
}

export const benchNoopActivities: BenchNoopActivities = {
  benchNoop: async (step) => step,
};
