import { validateImageParts, validateImageReference } from '@slipway/contract/image-reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

// The edge refuses exactly what the worker would refuse: both run @slipway/contract/image-reference.

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const images: [string, { repository: string; name?: string; tag?: string }][] = [
  ['uppercase repository', { repository: 'docker.io/Todo-App' }],
  ['trailing slash', { repository: 'docker.io/todo-app/' }],
  ['empty component', { repository: 'docker.io//todo-app' }],
  ['bad registry port', { repository: 'localhost:99999/x' }],
  ['uppercase name', { repository: 'docker.io/acme', name: 'Api' }],
  ['tag starting with a dot', { repository: 'docker.io/acme', tag: '.v1' }],
  ['fine', { repository: 'docker.io/todo-app' }],
  ['registry with port', { repository: 'localhost:5000' }],
  ['nested name', { repository: 'ghcr.io/acme', name: 'team/api' }],
];

describe('image references: one rule at the edge and in the worker', () => {
  it.each(images)('container image, %s', async (_label, p) => {
    const body = { name: p.name ?? uniqueName('img'), tag: p.tag ?? 'latest', repository: p.repository };
    const worker = validateImageParts(body);
    // The table is not vacuous: the labelled defects are defects to the worker's rule.
    expect(worker === null, 'worker verdict').toBe(
      ['fine', 'registry with port', 'nested name'].includes(_label),
    );
    const r = await api.call<{ details?: { field: string } }>('POST', '/api/container-images', {
      token: api.alice.token,
      body,
    });
    if (worker) {
      expect(r.status).toBe(422);
      expect(r.body.details?.field).toBe(worker.field);
    } else {
      expect(r.status).toBe(201);
    }
  });

  it.each([
    'docker.io/todo-app/todo-backend:latest',
    'Docker.io/todo-app/api:1',
    'docker.io/todo-app/API:1',
    'docker.io/todo-app/:1',
    'docker.io/todo-app/api:',
    'registry.local:5000/team/api@sha256:' + 'a'.repeat(64),
    'api',
  ])('deployment image %s', async (image) => {
    const cluster = await api.runningCluster(api.alice);
    const r = await api.call<{ details?: { field: string } }>('POST', '/api/deployments', {
      token: api.alice.token,
      body: {
        name: uniqueName('dep'),
        replicas: 1,
        image,
        container_port: 80,
        minikube_cluster_id: cluster.id,
      },
    });
    if (validateImageReference(image)) {
      expect(r.status).toBe(422);
      expect(r.body.details?.field).toBe('image');
    } else {
      expect(r.status).toBe(201);
    }
  });
});
