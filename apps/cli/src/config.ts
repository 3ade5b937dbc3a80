import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

// ~/.config/slipway/config.json (or $XDG_CONFIG_HOME/slipway/config.json), mode 0600: the API URL and
// the tokens of the last login. SLIPWAY_URL and SLIPWAY_TOKEN override what it says.

export type StoredConfig = { url?: string; access_token?: string; refresh_token?: string; email?: string };

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'slipway', 'config.json');
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): StoredConfig {
  try {
    return JSON.parse(readFileSync(configPath(env), 'utf8')) as StoredConfig;
  } catch {
    return {};
  }
}

export function writeConfig(c: StoredConfig, env: NodeJS.ProcessEnv = process.env): void {
  const file = configPath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export const DEFAULT_URL = 'http://localhost:3000';
