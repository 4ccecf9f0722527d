import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError } from './api/errors';
import { whenSessionLost } from './api/client';
import { applyTheme, storedTheme } from './lib/theme';
import { makeRouter, safeRedirect } from './router';
import './styles.css';

applyTheme(storedTheme());

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A refusal is an answer: asking again would not change it.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
  queryCache: new QueryCache(),
  mutationCache: new MutationCache(),
});
const router = makeRouter(queryClient);

// A session that ends while a screen is open (expired, revoked elsewhere) goes to sign-in and comes back.
whenSessionLost(() => {
  queryClient.clear();
  void router.navigate({ to: '/sign-in', search: { redirect: safeRedirect(window.location.pathname + window.location.search) } });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
