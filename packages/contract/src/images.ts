import {
  buildArgNameIssue,
  dockerfileIssue,
  gitRefIssue,
  gitUrlIssue,
  relativePathIssue,
} from './build-source.ts';
import {
  checkedBy,
  freeText,
  IdParams,
  nullableTimestamp,
  operationRef,
  pageOf,
  pageQuery,
  text,
  timestamp,
  uuid,
  z,
} from './common.ts';
import {
  REPOSITORY_MAX,
  TAG_MAX,
  validateImageName,
  validateImageParts,
  validateImageRepository,
  validateTag,
} from './image-reference.ts';
import { defineRoute, deleteRoute, getRoute, listRoute } from './route.ts';
import { imageStatuses } from './vocabulary.ts';

const TAG = 'Container images';

// The Docker reference grammar, checked by the same module the worker and the drivers use, so the
// edge answers 422 exactly where a build would be refused (uppercase, trailing "/", empty parts).
export const imageName = checkedBy(text(128), validateImageName).openapi({
  description: 'Lowercase path components separated by "/" (e.g. `todo-backend`, `team/api`).',
  example: 'todo-backend',
});
export const imageTag = checkedBy(text(TAG_MAX), validateTag).openapi({
  description: 'Letters, digits, "_", "." or "-", not starting with "." or "-".',
  example: 'latest',
});
export const imageRepository = checkedBy(text(REPOSITORY_MAX), validateImageRepository).openapi({
  description: 'A registry, a registry and a path, or a path (e.g. `docker.io/todo-app`, `localhost:5000`).',
  example: 'docker.io/todo-app',
});

// Sources are untrusted: only https:// and git@ URLs without credentials, refs that cannot read as
// options, and relative paths that cannot climb out of BUILD_CONTEXT_ROOT (the worker checks again
// after resolving symlinks, and the git host after DNS). The rules are build-source's, the same the
// worker runs, so the edge answers 422 wherever a build would be refused.
const gitUrl = checkedBy(text(2048), gitUrlIssue).openapi({ example: 'https://github.com/acme/api.git' });
const relativePath = checkedBy(text(1024), relativePathIssue);
const gitRef = checkedBy(text(255), gitRefIssue);

export const ImageSource = z
  .union([
    z.object({ git: gitUrl, ref: gitRef.optional(), path: relativePath.optional() }),
    z.object({ path: relativePath }),
  ])
  .openapi('ImageSource', {
    description:
      'Where to build from: a git repository (https:// or git@) or a folder under BUILD_CONTEXT_ROOT.',
  });

export const CreateImageBody = z
  .object({
    name: imageName,
    tag: imageTag.default('latest'),
    repository: imageRepository,
    description: freeText(2000),
    source: ImageSource.nullable().optional(),
    dockerfile: checkedBy(text(1024), dockerfileIssue).nullable().optional(),
    build_args: z
      .record(checkedBy(text(128), buildArgNameIssue), z.string().max(4096))
      .refine((r) => Object.keys(r).length <= 64, 'at most 64 build args')
      .refine((r) => Object.values(r).every((v) => !v.includes('\u0000')), 'must not contain NUL characters')
      .nullable()
      .optional(),
    push: z.boolean().optional(),
    load_into_cluster_id: uuid.nullable().optional(),
  })
  .superRefine((b, ctx) => {
    // The fields together must make a reference the builder accepts (length, registry-like names).
    const bad = validateImageParts({ repository: b.repository, name: b.name, tag: b.tag });
    if (bad) ctx.addIssue({ code: 'custom', path: [bad.field], message: bad.issue });
  })
  .openapi('CreateImage', {
    example: {
      name: 'todo-backend',
      tag: 'latest',
      repository: 'docker.io/todo-app',
      description: 'Python FastAPI backend for Todo AI Chatbot',
    },
  });
export type CreateImageBody = z.infer<typeof CreateImageBody>;

export const UpdateImageBody = z
  .object({ tag: imageTag.optional(), description: freeText(2000) })
  .openapi('UpdateImage', {
    example: { tag: 'v1.0.0', description: 'Updated backend with security patches' },
  });
export type UpdateImageBody = z.infer<typeof UpdateImageBody>;

export const ContainerImage = z
  .object({
    id: uuid,
    name: z.string(),
    tag: z.string(),
    repository: z.string(),
    description: z.string().nullable(),
    size: z.number().int().nullable().openapi({ description: 'Bytes, once built.' }),
    created_at: timestamp,
    last_updated: timestamp,
    status: z.enum(imageStatuses),
    digest: z.string().nullable(),
    image_id: z.string().nullable(),
    source: z
      .union([
        z.object({ git: z.string(), ref: z.string().optional(), path: z.string().optional() }),
        z.object({ path: z.string() }),
      ])
      .nullable(),
    dockerfile: z.string().nullable(),
    build_args: z.record(z.string(), z.string()).nullable(),
    push: z.boolean(),
    load_into_cluster_id: uuid.nullable(),
    driver: z.string().nullable().openapi({ description: 'The driver that built it (sandbox, docker).' }),
    error: z.string().nullable(),
    owner_id: uuid,
    ...operationRef,
  })
  .openapi('ContainerImage', {
    example: {
      id: '3f1d4b1e-8a8e-4a53-9c55-6b7c4f2d1a10',
      name: 'todo-backend',
      tag: 'latest',
      repository: 'docker.io/todo-app',
      description: null,
      size: 12345678,
      created_at: '2026-02-07T10:00:00.000Z',
      last_updated: '2026-02-07T10:05:00.000Z',
      status: 'built',
      digest: null,
      image_id: null,
      source: null,
      dockerfile: null,
      build_args: null,
      push: false,
      load_into_cluster_id: null,
      driver: 'sandbox',
      error: null,
      owner_id: '9a0f2c3d-1b2e-4f5a-8c7d-6e5f4a3b2c1d',
    },
  });
export type ContainerImage = z.infer<typeof ContainerImage>;

export const ImageList = pageOf(ContainerImage, 'ContainerImageList');

export const LogLine = z
  .object({
    id: z.number().int().optional().openapi({ description: 'The event id (monotonic per database).' }),
    status: z.string(),
    message: z.string(),
    at: nullableTimestamp,
  })
  .openapi('LogLine');

export const ImageLogs = z.object({ id: uuid, lines: z.array(LogLine) }).openapi('ImageLogs');

export const ImageListQuery = pageQuery(imageStatuses);

export const imageRoutes = {
  createContainerImage: defineRoute({
    operationId: 'createContainerImage',
    method: 'post',
    path: '/api/container-images',
    tag: TAG,
    summary: 'Create a container image (the build runs as an operation)',
    body: CreateImageBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: {
      201: { description: 'Recorded, status `building`.', schema: ContainerImage, headers: ['Location'] },
    },
  }),
  listContainerImages: listRoute({
    operationId: 'listContainerImages',
    path: '/api/container-images',
    tag: TAG,
    summary: 'List your container images',
    query: ImageListQuery,
    schema: ImageList,
  }),
  getContainerImage: getRoute({
    operationId: 'getContainerImage',
    path: '/api/container-images/{id}',
    tag: TAG,
    summary: 'Get a container image',
    description: 'The image.',
    schema: ContainerImage,
  }),
  updateContainerImage: defineRoute({
    operationId: 'updateContainerImage',
    method: 'put',
    path: '/api/container-images/{id}',
    tag: TAG,
    summary: 'Update a container image (a new tag retags as an operation)',
    params: IdParams,
    body: UpdateImageBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: {
      200: { description: 'Updated at once (description only).', schema: ContainerImage },
      202: { description: 'Retag started.', schema: ContainerImage, headers: ['Location'] },
    },
  }),
  deleteContainerImage: deleteRoute({
    operationId: 'deleteContainerImage',
    path: '/api/container-images/{id}',
    tag: TAG,
    summary: 'Delete a container image',
  }),
  getContainerImageLogs: defineRoute({
    operationId: 'getContainerImageLogs',
    method: 'get',
    path: '/api/container-images/{id}/logs',
    tag: TAG,
    summary: 'The build log: events of the build and retag operations',
    params: IdParams,
    errors: [404],
    responses: { 200: { description: 'Log lines, oldest first.', schema: ImageLogs } },
  }),
};
