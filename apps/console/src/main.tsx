import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Router } from 'wouter';
import { App } from './app.tsx';
import { SessionProvider } from './session.tsx';
import './styles.css';

// No polling: lists and details refetch when /api/events says something changed (live.tsx), on
// window focus, and after the user's own writes.
const queryClient = new QueryClient({
  defaultOptions: {
    queries: { staleTime: 60_000, retry: (n, e) => n < 2 && !(e as { status?: number }).status },
  },
});

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <Router>
          <SessionProvider>
            <App />
          </SessionProvider>
        </Router>
      </QueryClientProvider>
    </StrictMode>,
  );
