// What test/global-setup.ts provides to every test (declared there for the root project; repeated
// for the console's own type-check, which does not include that file).
declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDb: string;
    redisUrl: string;
  }
}

export {};
