// The one name of the mail task queue: `<the lead's task queue>-email`. The lead workflow sends through
// it (lead/effects.ts); the worker config, its health check and the preview serve it.
export const emailTaskQueue = (taskQueue: string): string => `${taskQueue}-email`;
