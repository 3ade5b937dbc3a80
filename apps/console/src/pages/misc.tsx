import { AiDeployBody, AiScaleBody, CreateUserBody, LoginBody } from '@slipway/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { ZodForm } from '../form.tsx';
import { unwrap } from '../resources.ts';
import { useClient, useSession, useUser } from '../session.tsx';
import { aiDeployFields, aiScaleFields, userFields } from '../specs.ts';
import { ErrorState, Loading, Notice, Time } from '../ui.tsx';
import { useOptions } from './create.tsx';

/** Only same-origin paths of the console: `next` never sends the user elsewhere. */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/clusters';
  return next;
}

export function LoginPage() {
  const { signIn, state } = useSession();
  const [, navigate] = useLocation();
  const next = safeNext(new URLSearchParams(useSearch()).get('next'));
  return (
    <main className="login" id="main">
      <h1>Sign in to Slipway</h1>
      {state.status === 'signed-out' && state.expired ? (
        <p className="notice" role="status">
          Your session has expired. Sign in again to continue.
        </p>
      ) : null}
      <ZodForm
        title="Sign in"
        schema={LoginBody}
        submitLabel="Sign in"
        fields={[
          { name: 'email', label: 'Email', kind: 'email' },
          { name: 'password', label: 'Password', kind: 'password' },
        ]}
        onSubmit={async (b) => {
          await signIn(b.email, b.password);
          navigate(next, { replace: true });
        }}
      />
    </main>
  );
}

export function UsersPage() {
  const client = useClient();
  const me = useUser();
  const qc = useQueryClient();
  const users = useQuery({
    queryKey: ['user', 'list'],
    queryFn: () => unwrap(client.api.GET('/api/users', { params: { query: { page: 1, per_page: 100 } } })),
  });
  return (
    <section aria-labelledby="page-title">
      <header className="page-head">
        <h1 id="page-title">Users</h1>
      </header>
      <p>
        Signed in as <strong>{me.email}</strong> ({me.role}, {me.tier}). Operators watch the job queues on the{' '}
        <a href="/admin/queues">queue board</a> (it asks for an admin's email and password).
      </p>
      <section aria-labelledby="new-user-title" className="panel narrow">
        <h2 id="new-user-title">New user</h2>
        <ZodForm
          title="New user"
          schema={CreateUserBody}
          fields={userFields}
          onSubmit={async (body, form) => {
            await unwrap(client.api.POST('/api/users', { body }));
            await qc.invalidateQueries({ queryKey: ['user', 'list'] });
            form.reset();
          }}
        />
      </section>
      {users.isPending ? (
        <Loading what="users" />
      ) : users.error ? (
        <ErrorState error={users.error} />
      ) : (
        <>
          <table className="list" aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Tier</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{u.role}</td>
                  <td>{u.tier}</td>
                  <td>
                    <Time at={u.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {users.data.total > users.data.items.length ? (
            <p className="hint">
              The first {users.data.items.length} of {users.data.total} users (GET /api/users pages through
              them all).
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}

export function AiPage() {
  const client = useClient();
  const qc = useQueryClient();
  const charts = useOptions('charts', (c) => c.status === 'valid');
  const clusters = useOptions('clusters', (c) => c.status === 'running');
  const deployments = useOptions('deployments');
  const [deployNote, setDeployNote] = useState<string | null>(null);
  const [deployLink, setDeployLink] = useState<string | null>(null);
  const [scaleNote, setScaleNote] = useState<string | null>(null);
  if (charts.isPending || clusters.isPending || deployments.isPending) return <Loading what="resources" />;
  const err = charts.error ?? clusters.error ?? deployments.error;
  if (err) return <ErrorState error={err} />;
  return (
    <section aria-labelledby="page-title">
      <header className="page-head">
        <h1 id="page-title">AI</h1>
      </header>
      <p className="muted">
        Debug a deployment and analyze a cluster from their pages; deploy a chart and scale a deployment here.
      </p>
      <div className="panels">
        <section aria-labelledby="ai-deploy-title" className="panel">
          <h2 id="ai-deploy-title">AI deploy</h2>
          <ZodForm
            title="AI deploy"
            schema={AiDeployBody}
            submitLabel="Deploy"
            fields={aiDeployFields(charts.data ?? [], clusters.data ?? [])}
            onSubmit={async (body) => {
              const r = await unwrap(client.api.POST('/api/ai/deploy', { body }));
              setDeployNote(`${r.message} (${r.status})`);
              setDeployLink(r.deployment_id);
              await qc.invalidateQueries({ queryKey: ['deployment'] });
            }}
          />
          <Notice text={deployNote} />
          {deployLink ? <Link href={`/deployments/${deployLink}`}>Open the deployment</Link> : null}
        </section>
        <section aria-labelledby="ai-scale-title" className="panel">
          <h2 id="ai-scale-title">AI scale</h2>
          <ZodForm
            title="AI scale"
            schema={AiScaleBody}
            submitLabel="Scale"
            fields={aiScaleFields(deployments.data ?? [])}
            onSubmit={async (body) => {
              const r = await unwrap(client.api.POST('/api/ai/scale', { body }));
              setScaleNote(`${r.message}: ${r.current_replicas} → ${r.target_replicas}`);
              await qc.invalidateQueries({ queryKey: ['deployment'] });
            }}
          />
          <Notice text={scaleNote} />
        </section>
      </div>
      <p>
        AI requests run on the workers; their operations appear under{' '}
        <Link href="/operations">Operations</Link>.
      </p>
    </section>
  );
}
