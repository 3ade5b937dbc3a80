import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useLocation } from 'wouter';
import {
  ApiError,
  type components,
  createSlipwayClient,
  type ErrorBody,
  type SlipwayClient,
} from './client.ts';

// The session: the access token lives in the client's memory only; the refresh token is an HttpOnly
// cookie (Path=/api/auth) no page script can read. The client refreshes once on a 401; when that
// refresh is refused too, the session has expired and the user is sent to sign in, then back.

export type User = components['schemas']['User'];
type State =
  | { status: 'loading' }
  | { status: 'signed-out'; expired: boolean }
  | { status: 'signed-in'; user: User };

type Session = {
  client: SlipwayClient;
  state: State;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
};

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function useClient(): SlipwayClient {
  return useSession().client;
}

/** The signed-in user (pages under the layout only render signed in). */
export function useUser(): User {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('not signed in');
  return state.user;
}

export function canWrite(user: User): boolean {
  return user.role !== 'viewer';
}

export function SessionProvider({ children, baseUrl = '' }: { children: ReactNode; baseUrl?: string }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const signedIn = useRef(false);
  const expire = useRef<() => void>(() => {});

  const client = useMemo(() => {
    // Sees every response: a refused refresh while signed in means the session is over. Refreshes
    // take a lock shared by the origin's tabs: a refresh token is single use, so two tabs sending
    // the same cookie at once would look like a stolen token and end the session; in turn, each
    // sends the cookie the previous one was given.
    const watch = async (req: Request): Promise<Response> => {
      const isRefresh = new URL(req.url).pathname === '/api/auth/refresh';
      const res =
        isRefresh && typeof navigator !== 'undefined' && navigator.locks
          ? await navigator.locks.request('slipway-refresh', () => fetch(req))
          : await fetch(req);
      if (res.status === 401 && signedIn.current && isRefresh) expire.current();
      return res;
    };
    return createSlipwayClient({
      baseUrl: baseUrl || window.location.origin,
      fetch: watch as typeof fetch,
      credentials: 'same-origin',
    });
  }, [baseUrl]);

  const loadUser = useCallback(async (): Promise<User> => {
    const { data, error, response } = await client.api.GET('/api/users/me');
    if (!data)
      throw new ApiError(response.status, (error as ErrorBody | undefined) ?? null, response.headers);
    return data;
  }, [client]);

  expire.current = () => {
    signedIn.current = false;
    client.setTokens(null);
    qc.clear();
    setState({ status: 'signed-out', expired: true });
    const here = `${window.location.pathname}${window.location.search}`;
    if (!window.location.pathname.startsWith('/login'))
      navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
  };

  // A reload keeps the session: the cookie trades for a new access token. Once per page (a refresh
  // token is single use: a second concurrent refresh would count as a reuse).
  const initial = useRef<Promise<User> | null>(null);
  useEffect(() => {
    let live = true;
    initial.current ??= client.refresh().then(loadUser);
    initial.current.then(
      (user) => {
        if (!live) return;
        signedIn.current = true;
        setState({ status: 'signed-in', user });
      },
      () => live && setState({ status: 'signed-out', expired: false }),
    );
    return () => {
      live = false;
    };
  }, [client, loadUser]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const { data, error, response } = await client.api.POST('/api/auth/login', {
        body: { email, password, refresh_cookie: true },
      });
      if (!data)
        throw new ApiError(response.status, (error as ErrorBody | undefined) ?? null, response.headers);
      client.setTokens(data);
      const user = await loadUser();
      qc.clear();
      signedIn.current = true;
      setState({ status: 'signed-in', user });
    },
    [client, loadUser, qc],
  );

  const signOut = useCallback(async () => {
    // Revokes the refresh family and clears the cookie (POST /api/auth/logout), then forgets the token.
    const access = client.tokens?.access_token;
    await fetch('/api/auth/logout', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(access ? { Authorization: `Bearer ${access}` } : {}),
      },
      body: '{}',
      credentials: 'same-origin',
    }).catch(() => undefined);
    signedIn.current = false;
    client.logout();
    qc.clear();
    setState({ status: 'signed-out', expired: false });
    navigate('/login', { replace: true });
  }, [client, qc, navigate]);

  const value = useMemo(() => ({ client, state, signIn, signOut }), [client, state, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
