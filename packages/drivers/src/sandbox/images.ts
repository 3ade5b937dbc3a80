// Simulated Docker engine. Results are a pure function of the image reference, so a retag or a status
// read in another worker process reports exactly what the build reported. References follow the Docker
// builder's rules (one grammar, @slipway/contract/image-reference), so the sandbox rejects what Docker would.
import { repositoryOf, splitImageReference } from '@slipway/contract/image-reference';
import { imageReference } from '../docker/image-ref.ts';
import {
  DriverError,
  type ImageBuilder,
  type ImageResult,
  type ImageSpec,
  type OpContext,
} from '../types.ts';
import { pause, throwIfAborted } from './clock.ts';
import { has, transientTimeout } from './faults.ts';
import { hashHex, hashInt } from './hash.ts';
import { recordEffect } from './ledger.ts';
import { type ResolvedSandboxOptions, resolveSandboxOptions, type SandboxOptions } from './options.ts';

// Simulated durations in ms at timeScale 1.
const BUILD_MS = 3000;
const RESOLVE_MS = 500;
const PUSH_MS = 1000;
const RETAG_MS = 50;
const REMOVE_MS = 200;
const ENGINE_PROBE_MS = 100;

const BASE_IMAGES = ['node:22-alpine', 'python:3.12-slim', 'golang:1.23-alpine', 'eclipse-temurin:21-jre'];

/** Repository and tag of a reference the engine already accepted (a digest reference counts as `latest`). */
function repoAndTag(ref: string): { repo: string; tag: string } {
  const parts = splitImageReference(ref);
  return { repo: repositoryOf(parts), tag: parts.tag ?? 'latest' };
}

/**
 * What `docker inspect asRef` shows when asRef points at the content built as contentRef: the image id
 * and size follow the content, the digest is the content's manifest under asRef's repository.
 */
export function inspectImage(contentRef: string, asRef: string = contentRef): ImageResult {
  const { repo, tag } = repoAndTag(contentRef);
  const canonical = `${repo}:${tag}`;
  return {
    imageId: `sha256:${hashHex('image-id', canonical)}`,
    digest: `${repoAndTag(asRef).repo}@sha256:${hashHex('manifest', canonical)}`,
    size: hashInt(5_000_000, 300_000_000, 'image-size', canonical),
  };
}

export class SandboxImageBuilder implements ImageBuilder {
  readonly kind = 'sandbox';
  readonly #opts: ResolvedSandboxOptions;

  constructor(opts: SandboxOptions = {}) {
    this.#opts = resolveSandboxOptions(opts);
  }

  async build(spec: ImageSpec, ctx: OpContext): Promise<ImageResult> {
    throwIfAborted(ctx.signal);
    const ref = imageReference(spec);
    if (has('flaky', spec.name) && ctx.attempt === 1) {
      await this.#wait(ENGINE_PROBE_MS, ctx);
      throw new DriverError(
        'engine_unavailable',
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
        { retryable: true },
      );
    }
    const failing = has('fail', spec.name, spec.tag);
    if (spec.source) await this.#buildFromSource(spec, ref, failing, ctx);
    else await this.#resolve(ref, failing, ctx);
    const result = inspectImage(ref);
    this.#record(ctx, 'build', spec.id);
    if (spec.push) {
      await this.#push(ref, ctx);
      this.#record(ctx, 'push', ref);
    }
    ctx.progress?.(100);
    const lost = transientTimeout(spec.name, ctx, `POST /build?t=${ref}`);
    if (lost) throw lost;
    return result;
  }

  async retag(from: string, to: string, ctx: OpContext): Promise<ImageResult> {
    throwIfAborted(ctx.signal);
    await this.#wait(RETAG_MS, ctx);
    ctx.log(`Tagged ${from} as ${to}`);
    this.#record(ctx, 'retag', to);
    const lost = transientTimeout(to, ctx, `POST /images/${from}/tag`);
    if (lost) throw lost;
    return inspectImage(from, to);
  }

  async remove(ref: string, ctx: OpContext): Promise<void> {
    throwIfAborted(ctx.signal);
    await this.#wait(REMOVE_MS, ctx);
    ctx.log(`Untagged: ${ref}`);
    ctx.log(`Deleted: ${inspectImage(ref).imageId}`);
    this.#record(ctx, 'remove', ref);
    const lost = transientTimeout(ref, ctx, `DELETE /images/${ref}`);
    if (lost) throw lost;
  }

  async push(ref: string, ctx: OpContext): Promise<void> {
    throwIfAborted(ctx.signal);
    await this.#push(ref, ctx);
    this.#record(ctx, 'push', ref);
    const lost = transientTimeout(ref, ctx, `POST /images/${ref}/push`);
    if (lost) throw lost;
  }

  async #buildFromSource(spec: ImageSpec, ref: string, failing: boolean, ctx: OpContext): Promise<void> {
    const base = BASE_IMAGES[hashInt(0, BASE_IMAGES.length - 1, 'base', ref)] ?? 'alpine:3.20';
    const args = Object.keys(spec.buildArgs ?? {}).sort();
    const steps = [
      `FROM ${base}`,
      ...args.map((k) => `ARG ${k}`),
      'WORKDIR /app',
      'COPY . .',
      'RUN make',
      'CMD ["./bin/start"]',
    ];
    const contextMb = (hashInt(5, 900, 'context', ref) / 10).toFixed(1);
    const dockerfile = spec.dockerfile ? ` (${spec.dockerfile})` : '';
    ctx.log(`Sending build context to Docker daemon  ${contextMb}MB${dockerfile}`);
    const perStep = BUILD_MS / steps.length;
    for (const [i, step] of steps.entries()) {
      ctx.log(`Step ${i + 1}/${steps.length} : ${step}`);
      await this.#wait(perStep, ctx);
      if (failing && step === 'RUN make') {
        ctx.log('make: *** [Makefile:12: build] Error 2');
        throw new DriverError('build_failed', "The command '/bin/sh -c make' returned a non-zero code: 2", {
          retryable: false,
        });
      }
      ctx.log(` ---> ${hashHex('layer', ref, String(i)).slice(0, 12)}`);
      ctx.progress?.(Math.round(((i + 1) / steps.length) * 95));
    }
    ctx.log(`Successfully built ${inspectImage(ref).imageId.slice('sha256:'.length, 'sha256:'.length + 12)}`);
    ctx.log(`Successfully tagged ${ref}`);
  }

  /** No source: `docker image inspect`, pulling when the engine does not have it. */
  async #resolve(ref: string, failing: boolean, ctx: OpContext): Promise<void> {
    const { repo, tag } = repoAndTag(ref);
    ctx.log(`${tag}: Pulling from ${repo}`);
    await this.#wait(RESOLVE_MS / 2, ctx);
    if (failing) {
      throw new DriverError(
        'build_failed',
        `manifest for ${ref} not found: manifest unknown: manifest unknown`,
        {
          retryable: false,
        },
      );
    }
    ctx.log(`${hashHex('layer', ref, '0').slice(0, 12)}: Pull complete`);
    ctx.progress?.(50);
    await this.#wait(RESOLVE_MS / 2, ctx);
    ctx.log(`Digest: ${inspectImage(ref).digest?.split('@')[1] ?? ''}`);
    ctx.log(`Status: Downloaded newer image for ${ref}`);
  }

  async #push(ref: string, ctx: OpContext): Promise<void> {
    const { repo, tag } = repoAndTag(ref);
    const image = inspectImage(ref);
    ctx.log(`The push refers to repository [${repo}]`);
    await this.#wait(PUSH_MS / 2, ctx);
    ctx.log(`${hashHex('layer', ref, '0').slice(0, 12)}: Pushed`);
    await this.#wait(PUSH_MS / 2, ctx);
    const manifestSize = hashInt(500, 3000, 'manifest-size', ref);
    ctx.log(`${tag}: digest: ${image.digest?.split('@')[1] ?? ''} size: ${manifestSize}`);
  }

  #wait(simulatedMs: number, ctx: OpContext): Promise<void> {
    return pause(simulatedMs, this.#opts.timeScale, ctx.signal);
  }

  #record(ctx: OpContext, effect: 'build' | 'retag' | 'remove' | 'push', resourceId: string): void {
    recordEffect(
      this.#opts.ledgerPath,
      { operationId: ctx.operationId, effect, resourceId },
      this.#opts.now(),
    );
  }
}
