// kubectl-ai (GoogleCloudPlatform/kubectl-ai) run as its users run it non-interactively:
//   kubectl-ai --quiet --kubeconfig <file> --llm-provider <p> --model <m> "<question>"
// It investigates with kubectl itself and prints its answer on stdout; exit 0 on success, non-zero with
// the error on stderr. Read-only by default: --skip-permissions is never passed and stdin is closed, so a
// command that would modify the cluster is not confirmed. Its answer is grounded like any outside answer.
import { spawn } from 'node:child_process';
import type { AiAgent } from './agent.ts';
import { type AgentCall, AgentUnavailable, ExternalAgent } from './external.ts';

export type KubectlAiConfig = {
  /** Path or name of the kubectl-ai executable (KUBECTL_AI_BIN). */
  bin: string;
  /** kubeconfig whose current context is the cluster to look at (the worker writes one per context). */
  kubeconfig?: string;
  /** The context name, for the record and for kubectl-ai versions that honour KUBECONTEXT-less defaults. */
  context?: string;
  /** --llm-provider (gemini, openai, ollama, ...) and --model; the provider's key comes from the environment. */
  provider?: string;
  model?: string;
  /** Whole run budget; past it the process is killed. Default 120 s. */
  timeoutMs?: number;
  /** --max-iterations (kubectl-ai's default is 20). */
  maxIterations?: number;
  /** Cancellation (the operation's signal). */
  signal?: AbortSignal;
  /** Environment for the process as is (default: `inheritedEnv()` of this process's). */
  env?: Record<string, string | undefined>;
};

/**
 * What kubectl-ai inherits from the worker: the basics, proxies and certificates, and the LLM providers'
 * variables (their API keys), never the worker's own secrets (DATABASE_URL, REDIS_URL, ...). The
 * SLIPWAY_FIXTURE_NODE / FAKE_KUBECTL_AI_* variables are read only by the test double.
 */
const INHERITED =
  /^(?:PATH|HOME|USER|LOGNAME|SHELL|LANG|LC_\w+|TZ|TMPDIR|XDG_\w+|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|SSL_CERT_\w+|GEMINI_\w+|GOOGLE_\w+|OPENAI_\w+|AZURE_OPENAI_\w+|GROK_\w+|XAI_\w+|OLLAMA_\w+|LLAMACPP_\w+|VERTEXAI_\w+|ANTHROPIC_\w+|BEDROCK_\w+|AWS_\w+|SLIPWAY_FIXTURE_NODE|FAKE_KUBECTL_AI_\w+)$/;

export function inheritedEnv(
  source: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && INHERITED.test(k)) out[k] = v;
  return out;
}

export const DEFAULT_KUBECTL_AI_TIMEOUT_MS = 120_000;

/** The command line, exactly as it will be run (also shown in notes and tests). */
export function kubectlAiArgs(cfg: KubectlAiConfig, prompt: string): string[] {
  const args = ['--quiet'];
  if (cfg.kubeconfig) args.push('--kubeconfig', cfg.kubeconfig);
  if (cfg.provider) args.push('--llm-provider', cfg.provider);
  if (cfg.model) args.push('--model', cfg.model);
  if (cfg.maxIterations) args.push('--max-iterations', String(cfg.maxIterations));
  args.push(prompt);
  return args;
}

function tail(s: string, n = 400): string {
  const t = s.trim();
  return t.length > n ? `…${t.slice(-n)}` : t;
}

export class KubectlAiAgent extends ExternalAgent {
  protected readonly engine = 'kubectl-ai' as const;
  readonly #cfg: KubectlAiConfig;

  constructor(name: string, rules: AiAgent, cfg: KubectlAiConfig) {
    super(name, rules);
    this.#cfg = cfg;
  }

  protected signal(): AbortSignal {
    return this.#cfg.signal ?? new AbortController().signal;
  }

  protected ask(call: AgentCall): Promise<string> {
    const cfg = this.#cfg;
    const timeoutMs = cfg.timeoutMs ?? DEFAULT_KUBECTL_AI_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([call.signal, timeout]);
    const env: Record<string, string | undefined> = { ...(cfg.env ?? inheritedEnv()) };
    if (cfg.kubeconfig) env.KUBECONFIG = cfg.kubeconfig;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(
          call.signal.aborted
            ? new AgentUnavailable('cancelled', 'cancelled before it started')
            : new AgentUnavailable('timeout', `no answer within ${timeoutMs} ms`),
        );
        return;
      }
      const child = spawn(cfg.bin, kubectlAiArgs(cfg, call.prompt), {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        signal,
        killSignal: 'SIGKILL',
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'EACCES')
          reject(new AgentUnavailable('not-installed', `${cfg.bin}: ${e.code}`));
        else if (e.name === 'AbortError')
          reject(
            call.signal.aborted
              ? new AgentUnavailable('cancelled', 'cancelled')
              : new AgentUnavailable('timeout', `no answer within ${timeoutMs} ms`),
          );
        else reject(new AgentUnavailable('failed', e.message));
      });
      child.on('close', (code, sig) => {
        if (signal.aborted) return; // the 'error' handler reported it
        if (code === 0) resolve(out);
        else
          reject(
            new AgentUnavailable(
              'failed',
              `kubectl-ai exited with ${code ?? sig}${err.trim() ? `: ${tail(err)}` : ''}`,
            ),
          );
      });
    });
  }
}
