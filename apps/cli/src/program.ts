import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  createSlipwayClient,
  type Operation,
  type OperationStreamEvent,
  type SlipwayClient,
  SlipwayError,
  WaitTimeoutError,
} from '@slipway/client';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_URL, readConfig, type StoredConfig, writeConfig } from './config.ts';
import { type Format, pickFormat, render, renderDiagnosis } from './output.ts';

// `slipway`: the API from a terminal. Every create and action waits for its operation with live
// progress from the SSE stream (unless --no-wait). Exit codes: 0 success, 1 the operation failed or
// was cancelled, 2 usage, 3 authentication, 4 not found, 5 conflict or rate limit.

export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3, notFound: 4, conflict: 5 } as const;

export type Io = {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
};

/** Thrown to end the command with an exit code (after printing `message` to stderr). */
export class CliExit extends Error {
  readonly code: number;
  constructor(code: number, message = '') {
    super(message);
    this.code = code;
  }
}

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Generic = Record<
  Method,
  (
    path: string,
    init?: Record<string, unknown>,
  ) => Promise<{ data?: unknown; error?: unknown; response: Response }>
>;

type FieldKind = 'string' | 'int' | 'bool' | 'kv' | 'json';
type Field = { flag: string; field: string; kind: FieldKind; help: string; required?: boolean };

const f = (flag: string, field: string, kind: FieldKind, help: string, required = false): Field => ({
  flag,
  field,
  kind,
  help,
  required,
});

type ResourceSpec = {
  path: string;
  type: string;
  what: string;
  create: Field[];
  update: Field[];
};

const RESOURCES: Record<string, ResourceSpec> = {
  images: {
    path: '/api/container-images',
    type: 'container_image',
    what: 'container images',
    create: [
      f('--name <name>', 'name', 'string', 'image name', true),
      f('--tag <tag>', 'tag', 'string', 'tag (default latest)'),
      f('--repository <repo>', 'repository', 'string', 'repository, e.g. docker.io/acme', true),
      f('--description <text>', 'description', 'string', 'description'),
      f('--dockerfile <path>', 'dockerfile', 'string', 'Dockerfile path in the context'),
      f('--build-arg <k=v...>', 'build_args', 'kv', 'build argument (repeatable)'),
      f('--source <json>', 'source', 'json', 'build context: {"git":..} or {"path":..}'),
      f('--push', 'push', 'bool', 'push after the build'),
      f('--load-into-cluster-id <id>', 'load_into_cluster_id', 'string', 'load into this cluster'),
    ],
    update: [
      f('--tag <tag>', 'tag', 'string', 'new tag (retags)'),
      f('--description <text>', 'description', 'string', 'description'),
    ],
  },
  charts: {
    path: '/api/helm-charts',
    type: 'helm_chart',
    what: 'Helm charts',
    create: [
      f('--name <name>', 'name', 'string', 'chart name', true),
      f('--version <v>', 'version', 'string', 'chart version', true),
      f('--app-version <v>', 'app_version', 'string', 'app version'),
      f('--description <text>', 'description', 'string', 'description'),
    ],
    update: [
      f('--name <name>', 'name', 'string', 'chart name'),
      f('--version <v>', 'version', 'string', 'chart version'),
      f('--app-version <v>', 'app_version', 'string', 'app version'),
      f('--description <text>', 'description', 'string', 'description'),
    ],
  },
  clusters: {
    path: '/api/minikube-clusters',
    type: 'minikube_cluster',
    what: 'minikube clusters',
    create: [
      f('--name <name>', 'name', 'string', 'cluster name', true),
      f('--cpus <n>', 'cpus', 'int', 'CPUs'),
      f('--memory <mib>', 'memory', 'int', 'memory in MiB'),
      f('--disk-size <mib>', 'disk_size', 'int', 'disk size in MiB'),
      f('--kubernetes-version <v>', 'kubernetes_version', 'string', 'e.g. v1.28.0'),
      f('--kind <kind>', 'kind', 'string', 'minikube | kubeconfig'),
      f('--kube-context <ctx>', 'kube_context', 'string', 'kubeconfig context (kind kubeconfig)'),
    ],
    update: [],
  },
  deployments: {
    path: '/api/deployments',
    type: 'deployment',
    what: 'deployments',
    create: [
      f('--name <name>', 'name', 'string', 'deployment name', true),
      f('--replicas <n>', 'replicas', 'int', 'replicas'),
      f('--image <ref>', 'image', 'string', 'image reference', true),
      f('--container-port <port>', 'container_port', 'int', 'container port'),
      f('--helm-chart-id <id>', 'helm_chart_id', 'string', 'deploy through this chart'),
      f('--minikube-cluster-id <id>', 'minikube_cluster_id', 'string', 'target cluster'),
      f('--namespace <ns>', 'namespace', 'string', 'namespace'),
    ],
    update: [
      f('--replicas <n>', 'replicas', 'int', 'replicas'),
      f('--image <ref>', 'image', 'string', 'image reference'),
      f('--container-port <port>', 'container_port', 'int', 'container port'),
    ],
  },
  services: {
    path: '/api/services',
    type: 'service',
    what: 'services',
    create: [
      f('--name <name>', 'name', 'string', 'service name', true),
      f('--type <type>', 'type', 'string', 'ClusterIP | NodePort | LoadBalancer'),
      f('--port <port>', 'port', 'int', 'port', true),
      f('--target-port <port>', 'target_port', 'int', 'target port'),
      f('--protocol <p>', 'protocol', 'string', 'TCP | UDP'),
      f('--deployment-id <id>', 'deployment_id', 'string', 'the deployment it selects', true),
    ],
    update: [
      f('--type <type>', 'type', 'string', 'ClusterIP | NodePort | LoadBalancer'),
      f('--port <port>', 'port', 'int', 'port'),
      f('--target-port <port>', 'target_port', 'int', 'target port'),
      f('--protocol <p>', 'protocol', 'string', 'TCP | UDP'),
    ],
  },
};

const EXTRA: Record<string, string> = {
  images: ', logs',
  charts: ', upload',
  clusters: ', start, stop, restart',
  deployments: ', scale',
};

const attr = (flag: string) =>
  (flag.split(/[ ,]/).find((p) => p.startsWith('--')) ?? '')
    .slice(2)
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const int = (v: string) => {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError('expected an integer');
  return Number(v);
};

function addFields(cmd: Command, fields: Field[]): Command {
  for (const x of fields) {
    const o = new Option(x.flag, x.help + (x.required ? ' (required)' : ''));
    if (x.kind === 'int') o.argParser(int);
    if (x.kind === 'kv') o.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(o);
  }
  return cmd;
}

function bodyOf(fields: Field[], opts: Json): Json {
  const body: Json = {};
  for (const x of fields) {
    const v = opts[attr(x.flag)];
    if (v === undefined) {
      if (x.required) throw new CliExit(EXIT.usage, `error: required option '${x.flag}' not specified`);
      continue;
    }
    if (x.kind === 'kv') {
      body[x.field] = Object.fromEntries(
        (v as string[]).map((kv) => {
          const i = kv.indexOf('=');
          if (i <= 0) throw new CliExit(EXIT.usage, `error: ${x.flag} expects KEY=VALUE, got ${kv}`);
          return [kv.slice(0, i), kv.slice(i + 1)];
        }),
      );
    } else if (x.kind === 'json') {
      try {
        body[x.field] = JSON.parse(String(v));
      } catch {
        throw new CliExit(EXIT.usage, `error: ${x.flag} expects JSON`);
      }
    } else body[x.field] = v;
  }
  return body;
}

/** The exit code of an API error status. */
export function exitCodeOf(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 429) return EXIT.conflict;
  if (status === 400 || status === 422 || status === 413 || status === 415) return EXIT.usage;
  return EXIT.failed;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Live progress on stderr: a spinner line with the latest event on a terminal, one line per event otherwise. */
function progress(io: Io, label: string) {
  const tty = Boolean(io.stderr.isTTY);
  let latest = 'waiting';
  let pct = 0;
  let i = 0;
  const draw = () => {
    const bar = `${'█'.repeat(Math.round(pct / 10))}${'░'.repeat(10 - Math.round(pct / 10))}`;
    io.stderr.write(
      `\r\x1b[K${SPINNER[i++ % SPINNER.length]} ${label} ${bar} ${pct}% ${latest}`.slice(0, 200),
    );
  };
  const timer = tty ? setInterval(draw, 100) : null;
  return {
    event(e: OperationStreamEvent) {
      pct = e.data.progress ?? pct;
      if (e.event !== 'progress') latest = `${e.data.status}: ${e.data.message}`;
      if (!tty && e.event !== 'progress') io.stderr.write(`${label} ${latest}\n`);
      else if (!tty) io.stderr.write(`${label} ${pct}%\n`);
    },
    done(op: Operation) {
      if (timer) clearInterval(timer);
      const mark = op.status === 'succeeded' ? '✔' : '✖';
      const line = `${mark} ${label} ${op.status}${op.error ? `: ${op.error}` : ''}`;
      io.stderr.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    },
    stop() {
      if (timer) clearInterval(timer);
      if (tty) io.stderr.write('\r\x1b[K');
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function promptHidden(io: Io, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput?: (s: string) => void };
  io.stderr.write(question);
  out._writeToOutput = () => {};
  const answer = await new Promise<string>((ok) => rl.question('', ok));
  rl.close();
  io.stderr.write('\n');
  return answer;
}

export function buildProgram(io: Io): Command {
  const program = new Command('slipway');
  let exitCode: number = EXIT.ok;

  program
    .description(
      'Slipway from the command line: images, charts, clusters, deployments, services, operations, AI',
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'table | json | yaml (default: table on a terminal, json otherwise)',
      ).choices(['table', 'json', 'yaml']),
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  const format = (): Format =>
    pickFormat(program.opts().output as string | undefined, Boolean(io.stdout.isTTY));
  const print = (value: unknown, resource?: string): void => {
    io.stdout.write(`${render(value, format(), resource)}\n`);
  };

  const urlOf = (cfg: StoredConfig, flag?: string) =>
    (flag || io.env.SLIPWAY_URL || cfg.url || DEFAULT_URL).replace(/\/+$/, '');

  const client = (): SlipwayClient => {
    const cfg = readConfig(io.env);
    const envToken = io.env.SLIPWAY_TOKEN;
    const accessToken = envToken || cfg.access_token;
    if (!accessToken)
      throw new CliExit(EXIT.auth, 'error: not logged in: run `slipway login` (or set SLIPWAY_TOKEN)');
    return createSlipwayClient({
      baseUrl: urlOf(cfg),
      accessToken,
      refreshToken: envToken ? undefined : cfg.refresh_token,
      onTokens: (t) => {
        if (envToken) return;
        const now = readConfig(io.env);
        writeConfig({ ...now, access_token: t?.access_token, refresh_token: t?.refresh_token }, io.env);
      },
    });
  };

  const call = async (c: SlipwayClient, method: Method, path: string, init: Record<string, unknown> = {}) => {
    const r = await (c.api as unknown as Generic)[method](path, init);
    if (!r.response.ok)
      throw new SlipwayError(r.response.status, (r.error ?? null) as never, r.response.headers);
    return (r.data ?? {}) as Json;
  };

  const waitOpts = (cmd: Command) =>
    cmd
      .option('--no-wait', 'return at once instead of waiting for the operation')
      .option('--timeout <seconds>', 'how long to wait for the operation', int, 600);

  /** Waits for `opId` with live progress; exit code 1 unless it succeeded. */
  const waitFor = async (
    c: SlipwayClient,
    opId: string,
    label: string,
    timeoutS: number,
  ): Promise<Operation> => {
    const p = progress(io, label);
    try {
      const op = await c.waitForOperation(opId, { timeoutMs: timeoutS * 1000, onEvent: (e) => p.event(e) });
      p.done(op);
      if (op.status !== 'succeeded') exitCode = EXIT.failed;
      return op;
    } catch (e) {
      p.stop();
      throw e;
    }
  };

  /** A write answered with an operation: wait (unless --no-wait), then print `after()` or the answer. */
  const mutate = async (
    opts: { wait?: boolean; timeout?: number },
    label: string,
    send: (c: SlipwayClient) => Promise<Json>,
    after?: (c: SlipwayClient, op: Operation) => Promise<unknown>,
    resource?: string,
  ) => {
    const c = client();
    const answer = await send(c);
    const opId = typeof answer.operation_id === 'string' ? answer.operation_id : undefined;
    if (!opId || opts.wait === false) return print(answer, resource);
    const op = await waitFor(c, opId, label, opts.timeout ?? 600);
    print(after ? await after(c, op) : answer, resource);
    if (op.status !== 'succeeded') {
      throw new CliExit(
        EXIT.failed,
        `error: operation ${op.id} ${op.status}${op.error ? `: ${op.error}` : ''}`,
      );
    }
  };

  // --- auth ---------------------------------------------------------------------------------------
  program
    .command('login')
    .description('log in and store the URL and tokens in ~/.config/slipway/config.json (mode 0600)')
    .option('--url <url>', 'API URL (default: SLIPWAY_URL, the stored URL, or http://localhost:3000)')
    .option('--email <email>', 'account email')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (o: { url?: string; email?: string; passwordStdin?: boolean }) => {
      const cfg = readConfig(io.env);
      const url = urlOf(cfg, o.url);
      const email = o.email ?? cfg.email;
      if (!email) throw new CliExit(EXIT.usage, 'error: --email is required');
      let password: string;
      if (o.passwordStdin) password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
      else if (io.stdin.isTTY) password = await promptHidden(io, `Password for ${email}: `);
      else
        throw new CliExit(EXIT.usage, 'error: use --password-stdin to pass the password without a terminal');
      const c = createSlipwayClient({ baseUrl: url });
      const t = await c.login(email, password);
      writeConfig({ url, email, access_token: t.access_token, refresh_token: t.refresh_token }, io.env);
      const me = await call(c, 'GET', '/api/users/me');
      print(format() === 'table' ? { logged_in: url, email: me.email, role: me.role } : { url, user: me });
    });

  program
    .command('logout')
    .description('revoke the stored refresh token and forget the tokens')
    .action(async () => {
      const cfg = readConfig(io.env);
      const { access_token: _a, refresh_token: _r, ...rest } = cfg;
      if (cfg.access_token) {
        // Revoke the refresh token on the server too (best effort: logout works offline).
        const c = createSlipwayClient({
          baseUrl: urlOf(cfg),
          accessToken: cfg.access_token,
          refreshToken: cfg.refresh_token,
        });
        await c.logout();
      }
      writeConfig(rest, io.env);
      if (format() !== 'table') print({ logged_out: true });
      else io.stdout.write('logged out\n');
    });

  program
    .command('whoami')
    .description('the user the stored token (or SLIPWAY_TOKEN) belongs to')
    .action(async () => print(await call(client(), 'GET', '/api/users/me')));

  // --- resources ----------------------------------------------------------------------------------
  for (const [name, spec] of Object.entries(RESOURCES)) {
    const r = program
      .command(name)
      .description(
        `${spec.what}: list, get, create${spec.update.length ? ', update' : ''}, delete${EXTRA[name] ?? ''}`,
      );
    const get = (c: SlipwayClient, id: string) => call(c, 'GET', `${spec.path}/${encodeURIComponent(id)}`);

    r.command('list')
      .description(`list ${spec.what}`)
      .option('--status <status>', 'only this status')
      .option('--name <name>', 'only this name')
      .option('--page <n>', 'page', int)
      .option('--per-page <n>', 'items per page', int)
      .action(async (o: { status?: string; name?: string; page?: number; perPage?: number }) => {
        const query: Json = {};
        if (o.status) query.status = o.status;
        if (o.name) query.name = o.name;
        if (o.page) query.page = o.page;
        if (o.perPage) query.per_page = o.perPage;
        print(await call(client(), 'GET', spec.path, { params: { query } }), name);
      });

    r.command('get')
      .description(`one of the ${spec.what}`)
      .argument('<id>')
      .action(async (id: string) => print(await get(client(), id), name));

    waitOpts(
      addFields(
        r.command('create').description(`create one of the ${spec.what} and wait until it is ready`),
        spec.create,
      ),
    ).action(async (o: Json) => {
      const body = bodyOf(spec.create, o);
      let created = '';
      await mutate(
        o,
        `${name} create`,
        async (c) => {
          const a = await call(c, 'POST', spec.path, { body });
          created = String(a.id ?? '');
          return a;
        },
        (c) => get(c, created),
        name,
      );
    });

    if (spec.update.length > 0) {
      waitOpts(
        addFields(
          r.command('update').description(`change one of the ${spec.what}`).argument('<id>'),
          spec.update,
        ),
      ).action(async (id: string, o: Json) => {
        const body = bodyOf(spec.update, o);
        if (Object.keys(body).length === 0)
          throw new CliExit(EXIT.usage, 'error: nothing to update (give a flag)');
        await mutate(
          o,
          `${name} update`,
          (c) => call(c, 'PUT', `${spec.path}/${id}`, { body }),
          (c) => get(c, id),
          name,
        );
      });
    }

    waitOpts(r.command('delete').description(`delete one of the ${spec.what}`).argument('<id>')).action(
      async (id: string, o: Json) => {
        await mutate(
          o,
          `${name} delete`,
          (c) => call(c, 'DELETE', `${spec.path}/${id}`),
          async (_c, op) => ({
            id,
            deleted: op.status === 'succeeded',
            operation_id: op.id,
          }),
        );
      },
    );

    if (name === 'clusters') {
      for (const action of ['start', 'stop', 'restart'] as const) {
        waitOpts(r.command(action).description(`${action} a cluster`).argument('<id>')).action(
          async (id: string, o: Json) => {
            await mutate(
              o,
              `clusters ${action}`,
              (c) => call(c, 'POST', `${spec.path}/${id}/${action}`),
              (c) => get(c, id),
              name,
            );
          },
        );
      }
    }
    if (name === 'deployments') {
      waitOpts(
        r
          .command('scale')
          .description('scale a deployment')
          .argument('<id>')
          .requiredOption('--replicas <n>', 'desired replicas', int),
      ).action(async (id: string, o: Json) => {
        await mutate(
          o,
          'deployments scale',
          (c) => call(c, 'POST', `${spec.path}/${id}/scale`, { body: { replicas: o.replicas } }),
          (c) => get(c, id),
          name,
        );
      });
    }
    if (name === 'charts') {
      waitOpts(
        r
          .command('upload')
          .description('upload the chart archive (.tgz)')
          .argument('<id>')
          .argument('<file>'),
      ).action(async (id: string, file: string, o: Json) => {
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch (e) {
          throw new CliExit(EXIT.usage, `error: cannot read ${file}: ${(e as Error).message}`);
        }
        await mutate(
          o,
          'charts upload',
          (c) =>
            call(c, 'PUT', `${spec.path}/${id}/content`, {
              body: bytes,
              bodySerializer: (b: unknown) => b,
              headers: { 'Content-Type': 'application/gzip' },
            }),
          (c) => get(c, id),
          name,
        );
      });
    }
    if (name === 'images') {
      r.command('logs')
        .description('the build log of an image')
        .argument('<id>')
        .option('--follow', 'keep printing the running build until it ends')
        .action(async (id: string, o: { follow?: boolean }) => {
          const c = client();
          const logs = await call(c, 'GET', `${spec.path}/${id}/logs`);
          const lines = (logs.lines as { id?: number; status: string; message: string; at: string }[]) ?? [];
          if (!o.follow) {
            if (format() === 'table') for (const l of lines) io.stdout.write(`${l.at}  ${l.message}\n`);
            else print(logs);
            return;
          }
          for (const l of lines) io.stdout.write(`${l.at}  ${l.message}\n`);
          const ops = await call(c, 'GET', '/api/operations', {
            params: { query: { resource_id: id, per_page: 1 } },
          });
          const op = (ops.items as Operation[] | undefined)?.[0];
          if (!op || ['succeeded', 'failed', 'cancelled'].includes(op.status)) return;
          const last = lines.filter((l) => l.id !== undefined).at(-1)?.id;
          for await (const e of c.watchOperation(op.id, last ? { lastEventId: String(last) } : {})) {
            if (e.event !== 'progress') io.stdout.write(`${e.data.at}  ${e.data.message}\n`);
            if (e.event === 'done' && e.data.status !== 'succeeded') exitCode = EXIT.failed;
          }
        });
    }
  }

  // --- users (admins) -----------------------------------------------------------------------------
  const usersCmd = program.command('users').description('users (admins only): list, create');
  usersCmd
    .command('list')
    .description('every user, oldest first')
    .option('--role <role>', 'only this role')
    .option('--email <text>', 'only emails containing this text')
    .option('--page <n>', 'page', int)
    .option('--per-page <n>', 'items per page', int)
    .action(async (o: { role?: string; email?: string; page?: number; perPage?: number }) => {
      const query: Json = {};
      if (o.role) query.role = o.role;
      if (o.email) query.email = o.email;
      if (o.page) query.page = o.page;
      if (o.perPage) query.per_page = o.perPage;
      print(await call(client(), 'GET', '/api/users', { params: { query } }), 'users');
    });
  usersCmd
    .command('create')
    .description('create a user; the password is read from standard input')
    .requiredOption('--email <email>', 'their email')
    .requiredOption('--role <role>', 'admin, operator or viewer')
    .option('--tier <tier>', 'standard or premium')
    .action(async (o: { email: string; role: string; tier?: string }) => {
      const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
      const body: Json = { email: o.email, password, role: o.role };
      if (o.tier) body.tier = o.tier;
      print(await call(client(), 'POST', '/api/users', { body }), 'users');
    });

  // --- operations ---------------------------------------------------------------------------------
  const ops = program.command('operations').description('operations: list, get, watch, cancel');
  ops
    .command('list')
    .description('your operations, newest first')
    .option('--status <status>', 'only this status')
    .option('--resource-id <id>', 'only operations on this resource')
    .option('--kind <kind>', 'only this kind, e.g. deployment.scale')
    .option('--page <n>', 'page', int)
    .option('--per-page <n>', 'items per page', int)
    .action(
      async (o: { status?: string; resourceId?: string; kind?: string; page?: number; perPage?: number }) => {
        const query: Json = {};
        if (o.status) query.status = o.status;
        if (o.resourceId) query.resource_id = o.resourceId;
        if (o.kind) query.kind = o.kind;
        if (o.page) query.page = o.page;
        if (o.perPage) query.per_page = o.perPage;
        const page = await call(client(), 'GET', '/api/operations', { params: { query } });
        if (format() === 'table' && Array.isArray(page.items)) {
          page.items = (page.items as Json[]).map(({ events: _e, ...rest }) => rest);
        }
        print(page, 'operations');
      },
    );
  ops
    .command('get')
    .description('an operation with its events')
    .argument('<id>')
    .action(async (id: string) => {
      const op = await call(client(), 'GET', `/api/operations/${id}`);
      if (format() !== 'table') return print(op);
      const { events, ...rest } = op;
      print(rest);
      io.stdout.write('\n');
      print(events ?? []);
    });
  ops
    .command('watch')
    .description('follow an operation live until it ends (exit 1 unless it succeeded)')
    .argument('<id>')
    .action(async (id: string) => {
      const c = client();
      let last: OperationStreamEvent | undefined;
      const json = format() !== 'table';
      for await (const e of c.watchOperation(id)) {
        last = e;
        if (json) io.stdout.write(`${JSON.stringify(e)}\n`);
        else if (e.event === 'progress') io.stdout.write(`${e.data.at}  progress ${e.data.progress}%\n`);
        else io.stdout.write(`${e.data.at}  ${e.data.status.padEnd(9)}  ${e.data.message}\n`);
      }
      if (last?.data.status !== 'succeeded') exitCode = EXIT.failed;
    });
  ops
    .command('cancel')
    .description('cancel a queued or running operation')
    .argument('<id>')
    .action(async (id: string) => print(await call(client(), 'POST', `/api/operations/${id}/cancel`)));

  // --- ai -----------------------------------------------------------------------------------------
  const ai = program.command('ai').description('AI-assisted deploy, scale, debug and analyze');
  const agent = () => new Option('--ai-agent <agent>', 'kubectl-ai | kagent').default('kubectl-ai');
  const aiRun = (o: Json, label: string, path: string, body: Json): Promise<void> =>
    mutate(
      o,
      label,
      (c) => call(c, 'POST', path, { body }),
      async (c, op) => {
        const full = await call(c, 'GET', `/api/operations/${op.id}`);
        return { status: op.status, error: op.error, ...((full.result as Json | null) ?? {}) };
      },
    );
  const printDiagnosis = (value: Json): void => {
    if (format() === 'table') io.stdout.write(`${renderDiagnosis(value)}\n`);
    else print(value);
  };

  waitOpts(
    ai
      .command('deploy')
      .description('deploy a chart to a cluster with an AI agent')
      .requiredOption('--helm-chart-id <id>', 'the chart')
      .requiredOption('--minikube-cluster-id <id>', 'the cluster')
      .addOption(agent()),
  ).action(async (o: Json) =>
    aiRun(o, 'ai deploy', '/api/ai/deploy', {
      helm_chart_id: o.helmChartId,
      minikube_cluster_id: o.minikubeClusterId,
      ai_agent: o.aiAgent,
    }),
  );
  waitOpts(
    ai
      .command('scale')
      .description('scale a deployment with an AI agent')
      .requiredOption('--deployment-id <id>', 'the deployment')
      .requiredOption('--target-replicas <n>', 'replicas wanted', int)
      .addOption(agent()),
  ).action(async (o: Json) =>
    aiRun(o, 'ai scale', '/api/ai/scale', {
      deployment_id: o.deploymentId,
      target_replicas: o.targetReplicas,
      ai_agent: o.aiAgent,
    }),
  );

  const diagnose = async (o: Json, label: string, path: string, body: Json) => {
    const c = client();
    const answer = await call(c, 'POST', path, { body });
    let result: Json = answer;
    if (answer.analysis == null && typeof answer.operation_id === 'string' && o.wait !== false) {
      const op = await waitFor(c, answer.operation_id, label, (o.timeout as number | undefined) ?? 600);
      const full = await call(c, 'GET', `/api/operations/${op.id}`);
      result = { ...answer, status: op.status, error: op.error, ...((full.result as Json | null) ?? {}) };
    }
    printDiagnosis(result);
    if (result.status === 'failed' || result.status === 'cancelled') {
      throw new CliExit(
        EXIT.failed,
        `error: ${label} ${String(result.status)}${result.error ? `: ${String(result.error)}` : ''}`,
      );
    }
  };
  waitOpts(
    ai
      .command('debug')
      .description('diagnose a deployment: the analysis, its evidence and the recommendations')
      .requiredOption('--deployment-id <id>', 'the deployment')
      .option('--issue <text>', 'what you see, e.g. "pod not ready"')
      .addOption(agent()),
  ).action(async (o: Json) =>
    diagnose(o, 'ai debug', '/api/ai/debug', {
      deployment_id: o.deploymentId,
      ai_agent: o.aiAgent,
      ...(o.issue ? { issue: o.issue } : {}),
    }),
  );
  waitOpts(
    ai
      .command('analyze')
      .description('analyze a cluster')
      .requiredOption('--minikube-cluster-id <id>', 'the cluster')
      .option('--analysis-type <type>', 'e.g. resource-optimization', 'resource-optimization')
      .addOption(agent().default('kagent')),
  ).action(async (o: Json) =>
    diagnose(o, 'ai analyze', '/api/ai/analyze', {
      minikube_cluster_id: o.minikubeClusterId,
      ai_agent: o.aiAgent,
      analysis_type: o.analysisType,
    }),
  );

  (program as Command & { exitCodeOf(): number }).exitCodeOf = () => exitCode;
  return program;
}

/** `-o FORMAT` may come anywhere (`slipway clusters list -o json`): moved before the command. */
export function hoistOutputFlag(argv: string[]): string[] {
  const front: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if ((a === '-o' || a === '--output') && i + 1 < argv.length) front.push(a, argv[++i] as string);
    else if (a.startsWith('--output=') || /^-o\w/.test(a)) front.push(a);
    else rest.push(a);
  }
  return [...front, ...rest];
}

/** Runs `argv` (without node and the script); resolves with the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(hoistOutputFlag(argv), { from: 'user' });
    return (program as Command & { exitCodeOf(): number }).exitCodeOf();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(e.code)) return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof CliExit) {
      if (e.message) io.stderr.write(`${e.message}\n`);
      return e.code;
    }
    if (e instanceof SlipwayError) {
      io.stderr.write(`error: ${e.message} (HTTP ${e.status})\n`);
      if (e.details) io.stderr.write(`  ${e.details.field}: ${e.details.issue}\n`);
      return exitCodeOf(e.status);
    }
    if (e instanceof WaitTimeoutError) {
      io.stderr.write(`error: ${e.message}\n`);
      return EXIT.failed;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(
      `error: ${msg}${e instanceof TypeError && /fetch/i.test(msg) ? ' (is the API running?)' : ''}\n`,
    );
    return EXIT.failed;
  }
}
