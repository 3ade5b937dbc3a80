export { type App, createApp, PUBLIC_API_PATHS } from './app.ts';
export { Config, ConfigError, loadConfig, recordedDrivers } from './config.ts';
export type { AppDeps, AppEnv, AuthUser, DriverReport, RateLimits } from './context.ts';
export { toHttpError } from './errors.ts';
export { type RunningApi, startApi } from './main.ts';
export { signAccessToken, verifyAccessToken } from './tokens.ts';
