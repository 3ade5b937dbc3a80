// ImageBuilder over the Docker Engine API (dockerode). Builds from a git repository or a directory under
// BUILD_CONTEXT_ROOT, or resolves an existing reference from the engine (inspect, pull when missing).
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryOf, splitImageReference } from '@slipway/contract/image-reference';
import type Dockerode from 'dockerode';
import type { ImageBuilder, ImageResult, ImageSpec, OpContext } from '../types.ts';
import { DriverError } from '../types.ts';
import { measureContext, packContext, resolveInside, shallowClone } from './build-context.ts';
import { buildImageOptions, validateGitUrl } from './build-options.ts';

/** dockerode (with ssh2 under it), loaded only when a Docker engine client is made: a sandbox worker never needs it. */
function newDocker(): Dockerode {
  const Docker = createRequire(import.meta.url)('dockerode') as typeof Dockerode;
  return new Docker();
}

import {
  driverErrorFromEngine,
  type EngineEvent,
  eventError,
  eventLogLines,
  readEngineStream,
  registryError,
  stepProgress,
} from './engine-events.ts';
import { type Lookup, pinGitHost } from './git-host.ts';
import { imageRef, splitImageRef } from './image-ref.ts';

export type DockerImageBuilderOptions = {
  /** Engine client; default `new Dockerode()`, which honours DOCKER_HOST or uses the local socket. */
  docker?: Dockerode;
  /** Local-directory sources resolve under here and may not leave it. */
  buildContextRoot: string;
  /** Clone + upload + build; past it the build is aborted and fails retryable. Default 10 minutes. */
  buildTimeoutMs?: number;
  /** Cap on the bytes of regular files in a context. Default 200 MiB. */
  maxContextBytes?: number;
  /** git executable for git sources. Default `git` from PATH. */
  gitBin?: string;
  /** Where git sources are cloned (a fresh temp dir per build, always removed). Default os.tmpdir(). */
  workDir?: string;
  /** Git hosts a clone may reach although they are loopback, private or link-local (GIT_ALLOWED_HOSTS). */
  gitAllowedHosts?: readonly string[];
  /** DNS for git hosts (tests pass their own; default the system resolver). */
  gitLookup?: Lookup;
};

export type DockerProbe = { reachable: boolean; version?: string; detail?: string };

/** Label put on every image this builder builds, so an operator can trace it back to its record. */
export const IMAGE_ID_LABEL = 'dev.slipway.image-id';

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_MAX_CONTEXT_BYTES = 200 * 1024 * 1024;

type ImageInspect = { Id: string; RepoDigests?: string[] | null; Size: number };

/**
 * The RepoDigests entry (`repo@sha256:...`, a pullable reference) for `ref`'s repository, else the first
 * one, else null: a locally built image that was never pushed or pulled has no registry digest.
 */
export function digestFromInspect(
  ref: string,
  repoDigests: readonly string[] | null | undefined,
): string | null {
  const digests = repoDigests ?? [];
  const repoOf = (r: string) => repositoryOf(splitImageReference(r)).replace(/^docker\.io\/(library\/)?/, '');
  const repo = repoOf(ref);
  return digests.find((d) => repoOf(d) === repo) ?? digests[0] ?? null;
}

/**
 * A signal that aborts when the caller's does or when `ms` pass; `timedOut` tells the two apart so a
 * timeout can be reported as retryable 'timeout' rather than as a cancellation.
 */
function deadline(
  parent: AbortSignal,
  ms: number,
): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new DriverError('timeout', `build did not finish within ${ms} ms`, { retryable: true }));
  }, ms);
  const onParent = () => ac.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  return {
    signal: ac.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}

function aborted(reason: unknown): DriverError {
  if (reason instanceof DriverError) return reason;
  return new DriverError('aborted', 'operation was cancelled', { retryable: true, cause: reason });
}

export class DockerImageBuilder implements ImageBuilder {
  readonly kind = 'docker';
  readonly #docker: Dockerode;
  readonly #root: string;
  readonly #timeoutMs: number;
  readonly #maxContextBytes: number;
  readonly #gitBin: string;
  readonly #workDir: string;
  readonly #gitAllowedHosts: readonly string[];
  readonly #gitLookup: Lookup | undefined;

  constructor(opts: DockerImageBuilderOptions) {
    this.#docker = opts.docker ?? newDocker();
    this.#root = opts.buildContextRoot;
    this.#timeoutMs = opts.buildTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxContextBytes = opts.maxContextBytes ?? DEFAULT_MAX_CONTEXT_BYTES;
    this.#gitBin = opts.gitBin ?? 'git';
    this.#workDir = opts.workDir ?? tmpdir();
    this.#gitAllowedHosts = opts.gitAllowedHosts ?? [];
    this.#gitLookup = opts.gitLookup;
  }

  /** Pings the engine and reads its version; never throws. */
  static async probe(opts: { docker?: Dockerode } = {}): Promise<DockerProbe> {
    const docker = opts.docker ?? newDocker();
    try {
      await docker.ping();
      const v = await docker.version();
      return { reachable: true, version: v.Version, detail: `API ${v.ApiVersion}, ${v.Os}/${v.Arch}` };
    } catch (err) {
      return { reachable: false, detail: driverErrorFromEngine(err, 'ping').message };
    }
  }

  async build(spec: ImageSpec, ctx: OpContext): Promise<ImageResult> {
    const ref = imageRef(spec.repository, spec.name, spec.tag);
    if (!spec.source) return this.#resolve(ref, ctx);

    const options = buildImageOptions({
      ref,
      dockerfile: spec.dockerfile,
      buildArgs: spec.buildArgs,
      labels: { [IMAGE_ID_LABEL]: spec.id },
    });
    const source = spec.source;
    const dl = deadline(ctx.signal, this.#timeoutMs);
    let cloneDir: string | null = null;
    try {
      let contextDir: string;
      if ('git' in source) {
        const url = validateGitUrl(source.git);
        // Checked after DNS, right before the clone, and the clone is held to that address.
        const pin = await pinGitHost(url, { allowed: this.#gitAllowedHosts, lookup: this.#gitLookup });
        cloneDir = await mkdtemp(join(this.#workDir, 'slipway-git-'));
        ctx.log(`Cloning ${url.display}${source.ref ? ` at ${source.ref}` : ''} (shallow)`);
        await shallowClone({
          gitBin: this.#gitBin,
          url: source.git,
          ref: source.ref,
          dest: join(cloneDir, 'repo'),
          signal: dl.signal,
          pin,
        });
        contextDir = await resolveInside(join(cloneDir, 'repo'), source.path ?? '', 'source.path');
      } else {
        contextDir = await resolveInside(this.#root, source.path, 'source.path');
      }
      const size = await measureContext(contextDir, this.#maxContextBytes);
      ctx.log(`Sending build context to Docker engine: ${size.files} files, ${size.bytes} bytes`);

      const tarStream = await packContext(contextDir);
      const response = await this.#docker
        .buildImage(tarStream, { ...options, abortSignal: dl.signal })
        .catch((err: unknown) => {
          throw dl.signal.aborted ? aborted(dl.signal.reason) : driverErrorFromEngine(err, `build ${ref}`);
        });
      const failure = await this.#follow(response, dl.signal, ctx, true);
      if (failure !== null) throw new DriverError('build_failed', failure, { retryable: false });
      ctx.progress?.(100);
      ctx.log(`Successfully built and tagged ${ref}`);
      const result = await this.#inspect(ref);
      if (spec.push) await this.push(ref, ctx);
      return spec.push ? await this.#inspect(ref) : result;
    } catch (err) {
      if (dl.signal.aborted) throw aborted(dl.signal.reason);
      if (err instanceof DriverError) throw err;
      throw driverErrorFromEngine(err, `build ${ref}`);
    } finally {
      dl.dispose();
      if (cloneDir !== null) await rm(cloneDir, { recursive: true, force: true });
    }
  }

  async retag(from: string, to: string, ctx: OpContext): Promise<ImageResult> {
    const target = splitImageRef(to);
    try {
      await this.#docker.getImage(from).tag({ repo: target.repository, tag: target.tag });
    } catch (err) {
      throw driverErrorFromEngine(err, `tag ${from} as ${to}`);
    }
    ctx.log(`Tagged ${from} as ${to}`);
    return this.#inspect(to);
  }

  async remove(ref: string, ctx: OpContext): Promise<void> {
    try {
      // Without force, removing one tag of a multi-tagged image only untags it; an image still used by a
      // container is a 409 conflict, surfaced rather than forced away from under the container.
      await this.#docker.getImage(ref).remove();
      ctx.log(`Removed ${ref}`);
    } catch (err) {
      const e = driverErrorFromEngine(err, `remove ${ref}`);
      if (e.code === 'image_not_found') {
        ctx.log(`${ref} was already absent`);
        return;
      }
      throw e;
    }
  }

  async push(ref: string, ctx: OpContext): Promise<void> {
    const { repository, tag } = splitImageRef(ref);
    const dl = deadline(ctx.signal, this.#timeoutMs);
    try {
      ctx.log(`Pushing ${ref}`);
      // An empty auth config: credentials, when a registry needs them, come from the engine's own config.
      const response = await this.#docker
        .getImage(repository)
        .push({ tag, authconfig: {}, abortSignal: dl.signal });
      const failure = await this.#follow(response, dl.signal, ctx, false);
      if (failure !== null) throw registryError(failure, 'push', ref);
    } catch (err) {
      if (dl.signal.aborted) throw aborted(dl.signal.reason);
      if (err instanceof DriverError) throw err;
      const e = driverErrorFromEngine(err, `push ${ref}`);
      throw e.code === 'engine_error' ? registryError(e.message, 'push', ref, err) : e;
    } finally {
      dl.dispose();
    }
  }

  /** No source: the reference must already exist in the engine, or be pullable. */
  async #resolve(ref: string, ctx: OpContext): Promise<ImageResult> {
    try {
      const found = await this.#inspect(ref);
      ctx.log(`Image ${ref} is present in the engine`);
      return found;
    } catch (err) {
      if (!(err instanceof DriverError) || err.code !== 'image_not_found') throw err;
    }
    ctx.log(`Image ${ref} not present; pulling`);
    const dl = deadline(ctx.signal, this.#timeoutMs);
    try {
      const response = await this.#docker.pull(ref, { abortSignal: dl.signal });
      const failure = await this.#follow(response, dl.signal, ctx, false);
      if (failure !== null) throw registryError(failure, 'pull', ref);
    } catch (err) {
      if (dl.signal.aborted) throw aborted(dl.signal.reason);
      if (err instanceof DriverError) throw err;
      const e = driverErrorFromEngine(err, `pull ${ref}`);
      // The engine relays registry failures as HTTP errors on /images/create; classify by their text.
      throw e.code === 'engine_unreachable' ? e : registryError(e.message, 'pull', ref, err);
    } finally {
      dl.dispose();
    }
    return this.#inspect(ref);
  }

  /** Streams log lines into ctx, returns the first error event's message (or null when the stream was clean). */
  async #follow(
    response: NodeJS.ReadableStream,
    signal: AbortSignal,
    ctx: OpContext,
    build: boolean,
  ): Promise<string | null> {
    let failure: string | null = null;
    await readEngineStream(response, signal, (event: EngineEvent) => {
      const error = eventError(event);
      if (error !== null) {
        failure ??= error;
        ctx.log(`ERROR: ${error}`);
        return;
      }
      for (const line of eventLogLines(event)) {
        ctx.log(line);
        const p = build ? stepProgress(line) : null;
        if (p !== null) ctx.progress?.(p);
      }
    });
    return failure;
  }

  async #inspect(ref: string): Promise<ImageResult> {
    let info: ImageInspect;
    try {
      info = (await this.#docker.getImage(ref).inspect()) as ImageInspect;
    } catch (err) {
      throw driverErrorFromEngine(err, `inspect ${ref}`);
    }
    return { imageId: info.Id, digest: digestFromInspect(ref, info.RepoDigests), size: info.Size };
  }
}
