import { type ReactNode, useEffect } from 'react';
import { Link, Redirect, Route, Switch, useLocation, useRoute } from 'wouter';
import { useLiveEvents } from './live.tsx';
import { NewChart, NewCluster, NewDeployment, NewImage, NewService } from './pages/create.tsx';
import {
  ChartDetail,
  ClusterDetail,
  DeploymentDetail,
  ImageDetail,
  OperationDetail,
  ServiceDetail,
} from './pages/detail.tsx';
import { ListPage } from './pages/list.tsx';
import { AiPage, LoginPage, UsersPage } from './pages/misc.tsx';
import { canWrite, useSession, useUser } from './session.tsx';
import { Loading } from './ui.tsx';

function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const [active] = useRoute(`${href}/*?`);
  return (
    <Link href={href} aria-current={active ? 'page' : undefined} className={active ? 'active' : undefined}>
      {children}
    </Link>
  );
}

function Layout({ children }: { children: ReactNode }) {
  const user = useUser();
  const { signOut } = useSession();
  useLiveEvents();
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Slipway</span>
        <nav aria-label="Main">
          <NavLink href="/images">Images</NavLink>
          <NavLink href="/charts">Helm charts</NavLink>
          <NavLink href="/clusters">Clusters</NavLink>
          <NavLink href="/deployments">Deployments</NavLink>
          <NavLink href="/services">Services</NavLink>
          <NavLink href="/operations">Operations</NavLink>
          {canWrite(user) ? <NavLink href="/ai">AI</NavLink> : null}
          {user.role === 'admin' ? (
            <>
              <NavLink href="/users">Users</NavLink>
              <a href="/admin/queues">Queues</a>
            </>
          ) : null}
        </nav>
        <span className="who">
          {user.email} <span className="role">({user.role})</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">{children}</main>
    </div>
  );
}

function Detail({ kind, id }: { kind: string; id: string }) {
  switch (kind) {
    case 'clusters':
      return <ClusterDetail id={id} />;
    case 'deployments':
      return <DeploymentDetail id={id} />;
    case 'images':
      return <ImageDetail id={id} />;
    case 'charts':
      return <ChartDetail id={id} />;
    case 'services':
      return <ServiceDetail id={id} />;
    default:
      return <OperationDetail id={id} />;
  }
}

function WriteOnly({ children }: { children: ReactNode }) {
  const user = useUser();
  return canWrite(user) ? children : <p role="alert">Viewers cannot create resources.</p>;
}

function Pages() {
  const user = useUser();
  return (
    <Switch>
      <Route path="/">
        <Redirect to="/clusters" replace />
      </Route>
      <Route path="/login">
        <Redirect to="/clusters" replace />
      </Route>
      <Route path="/images/new">
        <WriteOnly>
          <NewImage />
        </WriteOnly>
      </Route>
      <Route path="/charts/new">
        <WriteOnly>
          <NewChart />
        </WriteOnly>
      </Route>
      <Route path="/clusters/new">
        <WriteOnly>
          <NewCluster />
        </WriteOnly>
      </Route>
      <Route path="/deployments/new">
        <WriteOnly>
          <NewDeployment />
        </WriteOnly>
      </Route>
      <Route path="/services/new">
        <WriteOnly>
          <NewService />
        </WriteOnly>
      </Route>
      {(['images', 'charts', 'clusters', 'deployments', 'services', 'operations'] as const).map((k) => (
        <Route key={k} path={`/${k}`}>
          <ListPage kind={k} />
        </Route>
      ))}
      <Route path="/:kind/:id">{(p) => <Detail kind={p.kind} id={p.id} />}</Route>
      <Route path="/users">{user.role === 'admin' ? <UsersPage /> : <p role="alert">Admins only.</p>}</Route>
      <Route path="/ai">
        <WriteOnly>
          <AiPage />
        </WriteOnly>
      </Route>
      <Route>
        <p role="alert">No such page.</p>
      </Route>
    </Switch>
  );
}

/** The page title follows the route (people and tests see where they are). */
function useTitle() {
  const [location] = useLocation();
  useEffect(() => {
    const first = location.split('/')[1] ?? '';
    const label = first ? first[0]?.toUpperCase() + first.slice(1) : 'Console';
    document.title = `${label} · Slipway`;
  }, [location]);
}

export function App() {
  const { state } = useSession();
  const [location, navigate] = useLocation();
  useTitle();
  useEffect(() => {
    if (state.status === 'signed-out' && !location.startsWith('/login')) {
      const here = `${window.location.pathname}${window.location.search}`;
      navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    }
  }, [state.status, location, navigate]);
  if (state.status === 'loading') return <Loading what="Slipway" />;
  if (state.status === 'signed-out') return location.startsWith('/login') ? <LoginPage /> : null;
  return (
    <Layout>
      <Pages />
    </Layout>
  );
}
