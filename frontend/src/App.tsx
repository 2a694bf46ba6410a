import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { auth } from './api/client';
import { SignIn } from './pages/SignIn';
import { Shell } from './components/Shell';
import { MailView } from './pages/MailView';
import { NotFound } from './pages/NotFound';
import { Loading } from './components/States';

const Settings = lazy(() => import('./pages/Settings'));
const Insights = lazy(() => import('./pages/Insights'));
const ScheduledPage = lazy(() => import('./pages/Scheduled'));

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: 1, refetchOnWindowFocus: true, staleTime: 10_000 },
      mutations: { retry: 0 },
    },
  });
}

function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(auth.signedIn);
  useEffect(() => auth.subscribe(setSignedIn), []);
  return signedIn;
}

function RequireAuth({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading label="Loading" />}>{children}</Suspense>;
}

export function AppRoutes() {
  const signedIn = useSignedIn();
  return (
    <Routes>
      <Route path="/login" element={signedIn ? <Navigate to="/label/INBOX" replace /> : <SignIn />} />
      <Route
        element={
          <RequireAuth>
            <Shell />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/label/INBOX" replace />} />
        <Route path="/inbox" element={<Navigate to="/label/INBOX" replace />} />
        <Route path="/label/*" element={<MailView />} />
        <Route path="/search/*" element={<MailView />} />
        <Route path="/settings" element={<Lazy><Settings /></Lazy>} />
        <Route path="/insights" element={<Lazy><Insights /></Lazy>} />
        <Route path="/scheduled" element={<Lazy><ScheduledPage /></Lazy>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App({ client }: { client?: QueryClient }) {
  const [qc] = useState(() => client ?? makeQueryClient());
  useEffect(() => auth.subscribe((on) => !on && qc.clear()), [qc]);
  return (
    <QueryClientProvider client={qc}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
