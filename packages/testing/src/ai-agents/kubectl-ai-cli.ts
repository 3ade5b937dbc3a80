// A stand-in for the kubectl-ai CLI (GoogleCloudPlatform/kubectl-ai) at its command line: the same flags
// (cobra/pflag style, `--flag value` and `--flag=value`), the same positional query, `--quiet` for a
// non-interactive run, the kubeconfig from --kubeconfig / KUBECONFIG / ~/.kube/config, the LLM provider's
// API key from the environment, answers on stdout, errors on stderr with exit 1. Instead of an LLM it
// investigates the cluster the kubeconfig points at (investigate.ts), printing the kubectl commands it runs.
//
// Test hooks (environment): FAKE_KUBECTL_AI_MODE = answer (default) | hallucinate | fail | hang | mutate;
// FAKE_KUBECTL_AI_RECORD = a file that receives {argv, kubeconfigEnv, envKeys} as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { commandsFor, HALLUCINATION, investigate, subjectOf } from './investigate.ts';

const BOOL = new Set([
  'quiet',
  'skip-permissions',
  'enable-tool-use-shim',
  'mcp-server',
  'mcp-client',
  'external-tools',
  'remove-workdir',
  'skip-verify-ssl',
  'show-tool-output',
  'new-session',
  'list-sessions',
]);
const VALUE = new Set([
  'kubeconfig',
  'llm-provider',
  'model',
  'max-iterations',
  'prompt-template-file-path',
  'extra-prompt-paths',
  'trace-path',
  'custom-tools-config',
  'mcp-server-mode',
  'sse-endpoint-port',
  'ui-type',
  'ui-listen-address',
  'resume-session',
  'delete-session',
  'v',
]);
const KEY_ENV: Record<string, string | null> = {
  gemini: 'GEMINI_API_KEY',
  openai: 'OPENAI_API_KEY',
  azopenai: 'AZURE_OPENAI_API_KEY',
  grok: 'GROK_API_KEY',
  ollama: null,
  llamacpp: null,
  vertexai: null,
};

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

function parse(argv: string[]): { flags: Map<string, string>; args: string[] } {
  const flags = new Map<string, string>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      args.push(a);
      continue;
    }
    const [k = '', inline] = a.slice(2).split(/=(.*)/s, 2);
    if (BOOL.has(k)) flags.set(k, inline ?? 'true');
    else if (VALUE.has(k)) {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`flag needs an argument: --${k}`);
      flags.set(k, v);
    } else fail(`unknown flag: --${k}`);
  }
  return { flags, args };
}

/** current-context -> its cluster's server, from a kubeconfig in JSON (client-node export) or YAML. */
function serverOf(path: string): { server: string; token?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    fail(`failed to resolve kubeconfig path: open ${path}: no such file or directory`);
  }
  try {
    const kc = JSON.parse(text) as {
      'current-context'?: string;
      contexts?: { name: string; context: { cluster: string; user?: string } }[];
      clusters?: { name: string; cluster: { server: string } }[];
      users?: { name: string; user?: { token?: string } }[];
    };
    const ctx = kc.contexts?.find((c) => c.name === kc['current-context'])?.context;
    const server = kc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster.server;
    const token = kc.users?.find((u) => u.name === ctx?.user)?.user?.token;
    if (server) return { server, ...(token ? { token } : {}) };
  } catch {
    // YAML below
  }
  const current = /^current-context:\s*(\S+)/m.exec(text)?.[1];
  const blocks = text.split(/\n(?=- name: )/);
  const ctxBlock = blocks.find((b) => b.startsWith(`- name: ${current}`) && /\bcontext:/.test(b));
  const clusterName = /\bcluster:\s*(\S+)/.exec(ctxBlock ?? '')?.[1];
  const clusterBlock = blocks.find((b) => b.startsWith(`- name: ${clusterName}`) && /\bserver:/.test(b));
  const server = /\bserver:\s*(\S+)/.exec(clusterBlock ?? '')?.[1];
  const token = /\btoken:\s*(\S+)/.exec(text)?.[1];
  if (!server) fail(`invalid configuration: context "${current}" has no cluster server`);
  return { server, ...(token ? { token } : {}) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'version') {
    process.stdout.write('version: 0.0.0-slipway-fixture\ncommit: none\ndate: unknown\n');
    return;
  }
  const { flags, args } = parse(argv);
  if (args.length > 1) fail(`accepts at most 1 arg(s), received ${args.length}`);
  const query = args[0] ?? '';
  const kubeconfig = flags.get('kubeconfig') || process.env.KUBECONFIG || join(homedir(), '.kube', 'config');
  if (process.env.FAKE_KUBECTL_AI_RECORD) {
    writeFileSync(
      process.env.FAKE_KUBECTL_AI_RECORD,
      JSON.stringify({
        argv,
        kubeconfigEnv: process.env.KUBECONFIG ?? null,
        envKeys: Object.keys(process.env),
      }),
    );
  }
  const provider = flags.get('llm-provider') ?? 'gemini';
  if (!(provider in KEY_ENV)) fail(`creating llm client: unknown LLM provider "${provider}"`);
  const keyEnv = KEY_ENV[provider];
  if (keyEnv && !process.env[keyEnv]) fail(`creating llm client: ${keyEnv} environment variable not set`);
  if (flags.get('quiet') === 'true' && query.trim() === '')
    fail('quiet mode requires a query to be provided as a positional argument');
  const mode = process.env.FAKE_KUBECTL_AI_MODE ?? 'answer';
  if (mode === 'hang') {
    setInterval(() => {}, 1000);
    return;
  }
  if (mode === 'fail')
    fail('running agent: llm error: googleapi: Error 429: Resource has been exhausted (e.g. check quota).');
  const cluster = serverOf(kubeconfig);
  const { name, namespace } = subjectOf(query);
  for (const cmd of commandsFor(name ?? '', namespace)) process.stdout.write(`  Running: ${cmd}\n`);
  if (mode === 'mutate') {
    const cmd = `kubectl delete pod -n ${namespace} -l app=${name}`;
    if (flags.get('skip-permissions') !== 'true') {
      // Asks for confirmation on the terminal; stdin is closed, so nothing is run.
      process.stdout.write(
        `\nThe following command will modify your cluster:\n  ${cmd}\nDo you want to proceed? (y/N) `,
      );
      process.stdout.write('\nNo confirmation received; the command was not run.\n');
      return;
    }
    process.stdout.write(`  Running: ${cmd}\n`);
  }
  const answer = mode === 'hallucinate' ? HALLUCINATION : await investigate(cluster, query);
  process.stdout.write(`\n${answer}\n`);
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
