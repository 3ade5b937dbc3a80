// End to end: the real API and two real worker processes (sandbox driver), one private database and
// queue prefix, driven over HTTP through every endpoint of the contract and its lifecycle.
import { assertMatchesContract, type Stack, startStack } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN = { email: 'root@e2e.local', password: 'e2e-admin-password' };

type Json = Record<string, unknown> & { [k: string]: unknown };
type Res = { status: number; headers: Headers; body: Json };

describe('e2e: API + two workers over HTTP', () => {
  let stack: Stack;
  let base = '';
  let output: string[] = [];
  let adminToken = '';
  let token = '';
  let otherToken = '';

  async function call(
    method: string,
    path: string,
    body?: unknown,
    opts: { token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = { ...opts.headers };
    const tk = opts.token === undefined ? token : opts.token;
    if (tk) headers.authorization = `Bearer ${tk}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    // Every answer of the real stack is held against docs/openapi.json too.
    assertMatchesContract({
      method,
      url: path,
      requestBody: typeof body === 'string' ? undefined : body,
      requestContentType: headers['content-type'],
      status: r.status,
      headers: r.headers,
      body: text,
    });
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: r.status, headers: r.headers, body: parsed };
  }

  /** Polls a resource until its status is one of `want` (terminal states of its lifecycle). */
  async function until(path: string, want: string[], timeoutMs = 30_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    let last: Res | null = null;
    while (Date.now() < deadline) {
      last = await call('GET', path);
      if (want.includes(String(last.body.status))) return last.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `${path} never reached ${want.join('|')}: ${JSON.stringify(last?.body)}\n${output.slice(-20).join('\n')}`,
    );
  }

  beforeAll(async () => {
    stack = await startStack({
      admin: ADMIN,
      workers: ['e2e-worker-1', 'e2e-worker-2'],
      env: { SANDBOX_TIME_SCALE: '0.01' },
      readyTimeoutMs: 30_000,
    });
    base = stack.base;
    output = stack.output;
  }, 60_000);

  afterAll(async () => {
    const codes = await stack?.stop();
    // Graceful shutdown: every process exits 0 on SIGTERM.
    expect(codes).toEqual([0, 0, 0]);
  }, 30_000);

  it('health, readiness and the standard headers need no token', async () => {
    const h = await call('GET', '/healthz', undefined, { token: null });
    expect(h.status).toBe(200);
    const r = await call('GET', '/readyz', undefined, { token: null });
    expect(r.status).toBe(200);
    for (const [k, v] of Object.entries({
      'content-type': 'application/json',
      'cache-control': 'no-cache, no-store, must-revalidate',
      pragma: 'no-cache',
      expires: '0',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'x-xss-protection': '1; mode=block',
      'api-version': '1.0.0',
    })) {
      expect(r.headers.get(k) ?? '').toContain(v);
    }
  });

  it('auth: login, 401 without a token, admin creates users, refresh rotates', async () => {
    expect((await call('GET', '/api/container-images', undefined, { token: null })).body).toEqual({
      error: 'Unauthorized',
      message: 'Authentication required',
    });
    const login = await call('POST', '/api/auth/login', ADMIN, { token: null });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    adminToken = String(login.body.access_token);
    for (const [email, role, tier] of [
      ['alice@e2e.local', 'operator', 'premium'],
      ['bob@e2e.local', 'operator', 'standard'],
    ] as const) {
      const u = await call(
        'POST',
        '/api/users',
        { email, password: 'password-123', role, tier },
        { token: adminToken },
      );
      expect(u.status).toBe(201);
    }
    const alice = await call(
      'POST',
      '/api/auth/login',
      { email: 'alice@e2e.local', password: 'password-123' },
      { token: null },
    );
    token = String(alice.body.access_token);
    const bob = await call(
      'POST',
      '/api/auth/login',
      { email: 'bob@e2e.local', password: 'password-123' },
      { token: null },
    );
    otherToken = String(bob.body.access_token);
    // An operator may not create users.
    expect(
      (
        await call('POST', '/api/users', {
          email: 'x@e2e.local',
          password: 'password-123',
          role: 'admin',
          tier: 'premium',
        })
      ).status,
    ).toBe(403);
    const refreshed = await call(
      'POST',
      '/api/auth/refresh',
      { refresh_token: alice.body.refresh_token },
      { token: null },
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(alice.body.refresh_token);
    const replay = await call(
      'POST',
      '/api/auth/refresh',
      { refresh_token: alice.body.refresh_token },
      { token: null },
    );
    expect(replay.status).toBe(401);
    token = String(refreshed.body.access_token);
  });

  let clusterId = '';
  let chartId = '';
  let deploymentId = '';

  it('container images: create -> built, pagination, retag, logs, 409, delete -> 404', async () => {
    const created = await call('POST', '/api/container-images', {
      name: 'todo-backend',
      tag: 'latest',
      repository: 'docker.io/todo-app',
      description: 'Python FastAPI backend for Todo AI Chatbot',
      source: { git: 'https://git.example.com/todo/backend.git', ref: 'main' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'todo-backend',
      tag: 'latest',
      repository: 'docker.io/todo-app',
      status: 'building',
    });
    expect(created.headers.get('location')).toBe(`/api/operations/${created.body.operation_id}`);
    expect(created.headers.get('x-ratelimit-limit')).toBe('500');
    const id = String(created.body.id);
    const built = await until(`/api/container-images/${id}`, ['built', 'failed']);
    expect(built).toMatchObject({ status: 'built' });
    expect(Number(built.size)).toBeGreaterThan(0);
    expect(built.last_updated).toBeTruthy();

    const dup = await call('POST', '/api/container-images', {
      name: 'todo-backend',
      tag: 'latest',
      repository: 'docker.io/todo-app',
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: 'Conflict', id });

    for (const n of ['a', 'b']) {
      expect(
        (await call('POST', '/api/container-images', { name: `extra-${n}`, tag: '1', repository: 'r' }))
          .status,
      ).toBe(201);
    }
    const page = await call('GET', '/api/container-images?page=1&per_page=2');
    expect(page.body).toMatchObject({ page: 1, per_page: 2, total: 3 });
    expect((page.body.items as unknown[]).length).toBe(2);
    expect(page.headers.get('x-total-count')).toBe('3');
    expect(page.headers.get('page')).toBe('1');
    expect(page.headers.get('perpage')).toBe('2');
    expect(page.headers.get('link')).toMatch(/rel="next"/);
    expect(page.headers.get('link')).toMatch(/rel="last"/);
    const filtered = await call('GET', '/api/container-images?name=todo-backend');
    expect(filtered.body.total).toBe(1);

    const put = await call('PUT', `/api/container-images/${id}`, {
      tag: 'v1.0.0',
      description: 'Updated backend with security patches',
    });
    expect(put.status).toBeLessThan(300);
    const retagged = await until(`/api/container-images/${id}`, ['built', 'failed']);
    expect(retagged).toMatchObject({
      tag: 'v1.0.0',
      status: 'built',
      description: 'Updated backend with security patches',
    });
    const logs = await call('GET', `/api/container-images/${id}/logs`);
    expect(JSON.stringify(logs.body)).toMatch(/Successfully tagged/);

    // Another user cannot see it.
    expect((await call('GET', `/api/container-images/${id}`, undefined, { token: otherToken })).status).toBe(
      404,
    );
    const del = await call('DELETE', `/api/container-images/${id}`);
    expect(del.body).toMatchObject({ message: 'Container image deleted successfully', id });
    const gone = await call('GET', `/api/container-images/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: 'Not Found', message: 'Resource not found', id });
  });

  it('helm charts: validating -> valid; an edit re-validates; delete', async () => {
    const c = await call('POST', '/api/helm-charts', {
      name: 'todo-app',
      version: '1.0.0',
      description: 'Todo AI Chatbot Helm chart',
      app_version: '1.0.0',
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      name: 'todo-app',
      version: '1.0.0',
      app_version: '1.0.0',
      status: 'validating',
    });
    chartId = String(c.body.id);
    expect(await until(`/api/helm-charts/${chartId}`, ['valid', 'invalid'])).toMatchObject({
      status: 'valid',
    });
    const put = await call('PUT', `/api/helm-charts/${chartId}`, {
      version: '1.0.1',
      description: 'Updated with security patches',
    });
    expect(put.status).toBeLessThan(300);
    expect(await until(`/api/helm-charts/${chartId}`, ['valid', 'invalid'])).toMatchObject({
      status: 'valid',
      version: '1.0.1',
    });
    const bad = await call('POST', '/api/helm-charts', { name: 'invalid-chart', version: '1.0.0' });
    expect(await until(`/api/helm-charts/${bad.body.id}`, ['valid', 'invalid'])).toMatchObject({
      status: 'invalid',
    });
    expect((await call('DELETE', `/api/helm-charts/${bad.body.id}`)).body).toMatchObject({
      message: 'Helm chart deleted successfully',
    });
  });

  it('minikube clusters: stopped -> starting -> running; 409 on start while running; restart', async () => {
    const c = await call('POST', '/api/minikube-clusters', {
      name: 'local-dev',
      cpus: 4,
      memory: 8192,
      disk_size: 30720,
      kubernetes_version: 'v1.28.0',
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      status: 'stopped',
      cpus: 4,
      memory: 8192,
      disk_size: 30720,
      kubernetes_version: 'v1.28.0',
    });
    clusterId = String(c.body.id);
    const start = await call('POST', `/api/minikube-clusters/${clusterId}/start`);
    expect(start.body).toMatchObject({ message: 'Cluster starting...', status: 'starting' });
    expect(await until(`/api/minikube-clusters/${clusterId}`, ['running', 'error'])).toMatchObject({
      status: 'running',
    });
    const again = await call('POST', `/api/minikube-clusters/${clusterId}/start`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'Conflict', id: clusterId });
    const restart = await call('POST', `/api/minikube-clusters/${clusterId}/restart`);
    expect(restart.body).toMatchObject({ message: 'Cluster restarting...', status: 'restarting' });
    expect(await until(`/api/minikube-clusters/${clusterId}`, ['running', 'error'])).toMatchObject({
      status: 'running',
    });
    const list = await call('GET', '/api/minikube-clusters');
    expect(list.body.total).toBe(1);
  });

  it('deployments: 422 names the bad field; pending -> running; scale; update', async () => {
    const bad = await call('POST', '/api/deployments', { replicas: 2, image: 'x', container_port: 80 });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ details: { field: 'name' } });
    const malformed = await call('POST', '/api/deployments', '{"name":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'Invalid request' });

    const d = await call('POST', '/api/deployments', {
      name: 'todo-backend-deployment',
      replicas: 2,
      image: 'docker.io/todo-app/todo-backend:latest',
      container_port: 8000,
      helm_chart_id: chartId,
    });
    expect(d.status).toBe(201);
    expect(d.body).toMatchObject({
      name: 'todo-backend-deployment',
      replicas: 2,
      container_port: 8000,
      status: 'pending',
    });
    deploymentId = String(d.body.id);
    expect(await until(`/api/deployments/${deploymentId}`, ['running', 'failed'])).toMatchObject({
      status: 'running',
      available_replicas: 2,
    });

    const scale = await call('POST', `/api/deployments/${deploymentId}/scale`, { replicas: 4 });
    expect(scale.body).toMatchObject({
      message: 'Deployment scaling to 4 replicas',
      current_replicas: 2,
      desired_replicas: 4,
    });
    expect(await until(`/api/deployments/${deploymentId}`, ['running', 'failed'])).toMatchObject({
      status: 'running',
      available_replicas: 4,
    });

    const put = await call('PUT', `/api/deployments/${deploymentId}`, {
      replicas: 3,
      image: 'docker.io/todo-app/todo-backend:v1.0.0',
    });
    expect(put.status).toBeLessThan(300);
    expect(await until(`/api/deployments/${deploymentId}`, ['running', 'failed'])).toMatchObject({
      status: 'running',
      replicas: 3,
      available_replicas: 3,
      image: 'docker.io/todo-app/todo-backend:v1.0.0',
    });
    const ops = await call('GET', `/api/operations?resource_id=${deploymentId}`);
    expect(ops.body.total).toBe(3);
    const op = await call('GET', `/api/operations/${(ops.body.items as Json[])[0]?.id}`);
    expect(op.body).toMatchObject({
      resource_type: 'deployment',
      resource_id: deploymentId,
      status: 'succeeded',
    });
    expect((op.body.events as unknown[]).length).toBeGreaterThan(2);
  });

  it('services: pending -> active; update to LoadBalancer', async () => {
    const s = await call('POST', '/api/services', {
      name: 'todo-backend-service',
      type: 'ClusterIP',
      port: 80,
      target_port: 8000,
      protocol: 'TCP',
      deployment_id: deploymentId,
    });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({
      name: 'todo-backend-service',
      type: 'ClusterIP',
      port: 80,
      target_port: 8000,
      protocol: 'TCP',
      status: 'pending',
    });
    const id = String(s.body.id);
    expect(await until(`/api/services/${id}`, ['active', 'failed'])).toMatchObject({ status: 'active' });
    expect((await call('PUT', `/api/services/${id}`, { type: 'LoadBalancer' })).status).toBeLessThan(300);
    expect(await until(`/api/services/${id}`, ['active', 'failed'])).toMatchObject({
      status: 'active',
      type: 'LoadBalancer',
    });
  });

  it('AI: deploy, scale, debug and analyze', async () => {
    // The deployment named like the chart would collide with nothing: deploy a fresh chart.
    const chart = await call('POST', '/api/helm-charts', {
      name: 'todo-frontend',
      version: '0.1.0',
      app_version: '0.1.0',
    });
    await until(`/api/helm-charts/${chart.body.id}`, ['valid']);
    const deploy = await call('POST', '/api/ai/deploy', {
      helm_chart_id: chart.body.id,
      minikube_cluster_id: clusterId,
      ai_agent: 'kubectl-ai',
    });
    expect(deploy.body).toMatchObject({
      message: 'AI-assisted deployment initiated',
      ai_agent: 'kubectl-ai',
      status: 'in_progress',
    });
    const depId = String(deploy.body.deployment_id);
    expect(await until(`/api/deployments/${depId}`, ['running', 'failed'])).toMatchObject({
      status: 'running',
    });

    const scale = await call('POST', '/api/ai/scale', {
      deployment_id: depId,
      ai_agent: 'kubectl-ai',
      target_replicas: 5,
    });
    expect(scale.body).toMatchObject({
      message: 'AI-assisted scaling initiated',
      deployment_id: depId,
      current_replicas: 1,
      target_replicas: 5,
      ai_agent: 'kubectl-ai',
    });
    expect(await until(`/api/deployments/${depId}`, ['running', 'failed'])).toMatchObject({
      status: 'running',
      available_replicas: 5,
    });

    const crash = await call('POST', '/api/deployments', {
      name: 'crashy',
      replicas: 1,
      image: 'acme/crash:1',
      container_port: 80,
      minikube_cluster_id: clusterId,
    });
    await until(`/api/deployments/${crash.body.id}`, ['failed', 'running']);
    const debug = await call('POST', '/api/ai/debug', {
      deployment_id: crash.body.id,
      ai_agent: 'kubectl-ai',
      issue: 'pod not ready',
    });
    expect(debug.status).toBe(200);
    expect(debug.body).toMatchObject({
      message: 'AI-assisted debugging initiated',
      deployment_id: crash.body.id,
      ai_agent: 'kubectl-ai',
    });
    expect(String(debug.body.analysis)).toMatch(/CrashLoopBackOff/);
    expect((debug.body.recommendations as string[]).length).toBeGreaterThan(0);

    const analyze = await call('POST', '/api/ai/analyze', {
      minikube_cluster_id: clusterId,
      ai_agent: 'kagent',
      analysis_type: 'resource-optimization',
    });
    expect(analyze.status).toBe(200);
    expect(analyze.body).toMatchObject({
      message: 'AI-assisted cluster analysis completed',
      minikube_cluster_id: clusterId,
      ai_agent: 'kagent',
    });
    const analysis = analyze.body.analysis as {
      resource_utilization: { cpu: string; memory: string };
      recommendations: string[];
    };
    expect(analysis.resource_utilization.cpu).toMatch(/^\d+%$/);
    expect(analysis.resource_utilization.memory).toMatch(/^\d+%$/);
    expect(Array.isArray(analysis.recommendations)).toBe(true);
  });

  it('versioning: /v1, Accept and ?version=1.0.0 are accepted; another version is a 400', async () => {
    expect((await call('GET', '/v1/api/minikube-clusters')).status).toBe(200);
    expect(
      (
        await call('GET', '/api/minikube-clusters', undefined, {
          headers: { accept: 'application/vnd.todo.v1+json' },
        })
      ).status,
    ).toBe(200);
    expect((await call('GET', '/api/minikube-clusters?version=1.0.0')).status).toBe(200);
    const v2 = await call('GET', '/api/minikube-clusters?version=2.0.0');
    expect(v2.status).toBe(400);
    expect(v2.body).toMatchObject({ error: 'Invalid request' });
    const a2 = await call('GET', '/api/minikube-clusters', undefined, {
      headers: { accept: 'application/vnd.todo.v2+json' },
    });
    expect(a2.status).toBe(400);
  });

  it('rate-limit headers count down on every authenticated response', async () => {
    const a = await call('GET', '/api/deployments');
    const b = await call('GET', '/api/deployments');
    expect(a.headers.get('x-ratelimit-limit')).toBe('500');
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBeLessThan(
      Number(a.headers.get('x-ratelimit-remaining')),
    );
    expect(Number(a.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
  });

  it('teardown: stop the cluster, delete deployment, service and cluster', async () => {
    const del = await call('DELETE', `/api/deployments/${deploymentId}`);
    expect(del.body).toMatchObject({ message: 'Deployment deleted successfully', id: deploymentId });
    expect((await call('GET', `/api/deployments/${deploymentId}`)).status).toBe(404);
    const stop = await call('POST', `/api/minikube-clusters/${clusterId}/stop`);
    expect(stop.body).toMatchObject({ message: 'Cluster stopping...', status: 'stopping' });
    expect(await until(`/api/minikube-clusters/${clusterId}`, ['stopped', 'error'])).toMatchObject({
      status: 'stopped',
    });
    const cdel = await call('DELETE', `/api/minikube-clusters/${clusterId}`);
    expect(cdel.status).toBe(200);
    expect((await call('GET', `/api/minikube-clusters/${clusterId}`)).status).toBe(404);
    // Every accepted operation reached a terminal state.
    const ops = await call('GET', '/api/operations?per_page=100', undefined, { token: adminToken });
    const settled = async () => {
      const all = await call('GET', '/api/operations?per_page=100', undefined, { token: adminToken });
      return (all.body.items as Json[]).every((o) =>
        ['succeeded', 'failed', 'cancelled'].includes(String(o.status)),
      );
    };
    const deadline = Date.now() + 20_000;
    while (!(await settled()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await settled()).toBe(true);
    expect(Number(ops.body.total)).toBeGreaterThan(10);
  });
});
