// The HTTP phases' callers, straight into Postgres: premium operators (the admin's password hash
// reused: nobody logs in), one running cluster and deployment each, and an access token per user
// signed with the API's own signAccessToken and secret (the API verifies each one and reads the
// user row). `copyHttpRows` gives the bare server a database of its own with the same rows (same
// ids), so the per-request counts of the API's database are Slipway's alone.
import type postgres from 'postgres';
import { signAccessToken } from '../../apps/api/src/tokens.ts';

export type HttpTarget = { token: string; user: string; deployment: string };

export async function seedHttpUsers(sql: postgres.Sql, users: number, secret: string): Promise<HttpTarget[]> {
  const rows = await sql<{ id: string }[]>`
    insert into users (email, password_hash, role, tier)
    select 'u' || g || '@bench.local', (select password_hash from users where email = 'admin@bench.local'),
           'operator', 'premium'
      from generate_series(1, ${users}) g
    returning id`;
  const targets: HttpTarget[] = [];
  for (const r of rows) {
    const [c] = await sql<{ id: string }[]>`
      insert into minikube_clusters (owner_id, name, kind, status, cpus, memory, disk_size, kubernetes_version, driver)
      values (${r.id}, 'bench', 'kubeconfig', 'running', 2, 2048, 20480, 'v1.28.0', 'sandbox') returning id`;
    const [d] = await sql<{ id: string }[]>`
      insert into deployments (owner_id, cluster_id, name, replicas, available_replicas, image, container_port, status, driver)
      values (${r.id}, ${c?.id ?? ''}, 'web', 2, 2, 'bench.local/app/web:v1', 8080, 'running', 'sandbox') returning id`;
    targets.push({
      token: await signAccessToken(secret, { id: r.id, role: 'operator', tier: 'premium' }),
      user: r.id,
      deployment: d?.id ?? '',
    });
  }
  return targets;
}

/** The seeded rows into `to` (another clone of the template), plus the bare create path's table. */
export async function copyHttpRows(from: postgres.Sql, to: postgres.Sql): Promise<void> {
  for (const table of ['users', 'minikube_clusters', 'deployments']) {
    const [j] = await from.unsafe<{ rows: string | null }[]>(
      `select json_agg(t)::text as rows from ${table} t`,
    );
    await to.unsafe(
      `insert into ${table} select * from json_populate_recordset(null::${table}, $1::text::json)`,
      [j?.rows ?? '[]'],
    );
  }
  await to`create table bench_bare_images (id uuid primary key default gen_random_uuid(), name text not null,
    tag text not null, repository text not null, created_at timestamptz not null default now())`;
}
