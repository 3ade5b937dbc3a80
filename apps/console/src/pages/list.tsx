import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import {
  type Chart,
  type Cluster,
  type Deployment,
  type Image,
  KINDS,
  type Kind,
  listOf,
  type Operation,
  type Service,
} from '../resources.ts';
import { canWrite, useClient, useUser } from '../session.tsx';
import { Empty, ErrorState, Loading, StatusBadge, Time } from '../ui.tsx';

const PER_PAGE = 20;
const MAX_PER_PAGE = 100;

type Column = { header: string; cell(row: never): ReactNode };
const col = <T,>(header: string, cell: (row: T) => ReactNode): Column => ({
  header,
  cell: cell as (row: never) => ReactNode,
});

const nameLink = (kind: Kind) =>
  col<{ id: string; name: string }>('Name', (r) => <Link href={`/${kind}/${r.id}`}>{r.name}</Link>);
const status = col<{ status: string }>('Status', (r) => <StatusBadge status={r.status} />);

const COLUMNS: Record<Kind, Column[]> = {
  images: [
    nameLink('images'),
    col<Image>('Tag', (r) => r.tag),
    col<Image>('Repository', (r) => r.repository),
    status,
    col<Image>('Updated', (r) => <Time at={r.last_updated} />),
  ],
  charts: [
    nameLink('charts'),
    col<Chart>('Version', (r) => r.version),
    status,
    col<Chart>('Archive', (r) => (r.has_content ? `${r.content_size} bytes` : 'scaffolded')),
    col<Chart>('Updated', (r) => <Time at={r.last_updated} />),
  ],
  clusters: [
    nameLink('clusters'),
    status,
    col<Cluster>('CPUs', (r) => r.cpus),
    col<Cluster>('Memory (MiB)', (r) => r.memory),
    col<Cluster>('Kubernetes version', (r) => r.kubernetes_version),
  ],
  deployments: [
    nameLink('deployments'),
    status,
    col<Deployment>('Replicas', (r) => `${r.available_replicas}/${r.replicas}`),
    col<Deployment>('Image', (r) => r.image),
    col<Deployment>('Namespace', (r) => r.namespace),
  ],
  services: [
    nameLink('services'),
    status,
    col<Service>('Type', (r) => r.type),
    col<Service>('Port', (r) => `${r.port} → ${r.target_port}/${r.protocol}`),
  ],
  operations: [
    col<Operation>('Kind', (r) => <Link href={`/operations/${r.id}`}>{r.kind}</Link>),
    status,
    col<Operation>('Progress', (r) => `${r.progress}%`),
    col<Operation>('Resource', (r) => r.resource_type),
    col<Operation>('Created', (r) => <Time at={r.created_at} />),
  ],
};

export function ListPage({ kind }: { kind: Kind }) {
  const meta = KINDS[kind];
  const client = useClient();
  const user = useUser();
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const page = Math.max(1, Number(search.get('page') ?? '1') || 1);
  const name = search.get('name') ?? '';
  const statusFilter = search.get('status') ?? '';
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number(search.get('per_page')) || PER_PAGE));
  const params = {
    page,
    per_page: perPage,
    ...(name ? { name } : {}),
    ...(statusFilter ? { status: statusFilter } : {}),
  };
  const query = useQuery({
    queryKey: [meta.key, 'list', params],
    queryFn: () => listOf(client, kind, params),
    placeholderData: keepPreviousData,
  });

  const go = (next: Record<string, string | number | undefined>) => {
    const s = new URLSearchParams();
    const merged = { name, status: statusFilter, page: String(page), per_page: String(perPage), ...next };
    for (const [k, v] of Object.entries(merged))
      if (
        v !== undefined &&
        v !== '' &&
        !(k === 'page' && v === '1') &&
        !(k === 'per_page' && v === String(PER_PAGE))
      )
        s.set(k, String(v));
    const qs = s.toString();
    navigate(`/${kind}${qs ? `?${qs}` : ''}`);
  };

  const pages = query.data ? Math.max(1, Math.ceil(query.data.total / perPage)) : 1;
  return (
    <section aria-labelledby="page-title">
      <header className="page-head">
        <h1 id="page-title">{meta.title}</h1>
        {meta.newLabel && canWrite(user) ? (
          <button type="button" className="primary" onClick={() => navigate(`/${kind}/new`)}>
            {meta.newLabel}
          </button>
        ) : null}
      </header>
      <search>
        <form
          className="filters"
          aria-label={`Filter ${meta.title.toLowerCase()}`}
          onSubmit={(e) => {
            e.preventDefault();
            const d = new FormData(e.currentTarget);
            go({ name: String(d.get('name') ?? ''), status: String(d.get('status') ?? ''), page: 1 });
          }}
        >
          <label>
            Filter by name
            <input name="name" type="search" defaultValue={name} key={name} />
          </label>
          <label>
            Filter by status
            <select
              name="status"
              defaultValue={statusFilter}
              key={statusFilter}
              onChange={(e) => go({ status: e.currentTarget.value, page: 1 })}
            >
              <option value="">any status</option>
              {meta.statuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Filter</button>
        </form>
      </search>
      {query.isPending ? (
        <Loading what={meta.title.toLowerCase()} />
      ) : query.isError ? (
        <ErrorState error={query.error} />
      ) : query.data.items.length === 0 ? (
        <Empty>
          {name || statusFilter ? (
            <p>Nothing matches these filters. Clear them to see every {meta.singular}.</p>
          ) : (
            <p>{meta.emptyHint}</p>
          )}
        </Empty>
      ) : (
        <>
          <table className="list" aria-label={meta.title}>
            <thead>
              <tr>
                {COLUMNS[kind].map((c) => (
                  <th key={c.header} scope="col">
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {query.data.items.map((row) => (
                <tr key={row.id}>
                  {COLUMNS[kind].map((c) => (
                    <td key={c.header}>{c.cell(row as never)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pagination" aria-label="Pagination">
            <button type="button" disabled={page <= 1} onClick={() => go({ page: page - 1 })}>
              Previous page
            </button>
            <span>
              Page {page} of {pages} ({query.data.total} in all)
            </span>
            <button type="button" disabled={page >= pages} onClick={() => go({ page: page + 1 })}>
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
