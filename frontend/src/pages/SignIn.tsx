import { useState, type FormEvent } from 'react';
import { useNavigate, useLocation } from 'react-router';
import { login } from '../api/endpoints';
import { ApiError, auth } from '../api/client';
import { Logo } from '../components/Logo';
import { Button } from '../components/Button';

export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const location = useLocation();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      auth.set(await login(email.trim(), password));
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== '/login' ? from : '/label/INBOX', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('Wrong email or password. Try again.');
      else if (err instanceof ApiError && err.status === 429) setError('Too many attempts. Wait a minute and try again.');
      else setError(err instanceof Error ? err.message : 'Could not sign in.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-full items-center justify-center bg-page p-4">
      <div className="w-full max-w-[448px] rounded-[28px] bg-white px-10 py-12 shadow-sm">
        <Logo className="mb-6" />
        <h1 className="mb-2 text-2xl text-ink">Sign in</h1>
        <p className="mb-8 text-muted">to continue to mailcore</p>
        <form onSubmit={submit} noValidate className="space-y-5">
          <div>
            <label htmlFor="email" className="mb-1 block text-sm font-medium text-muted">
              Email
            </label>
            <input
              id="email"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              className="w-full rounded-md border border-gray-400 px-3 py-3 text-base outline-none focus:border-accent focus:ring-1 focus:ring-accent"
            />
          </div>
          <div>
            <label htmlFor="password" className="mb-1 block text-sm font-medium text-muted">
              Password
            </label>
            <input
              id="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-describedby={error ? 'signin-error' : undefined}
              aria-invalid={error ? true : undefined}
              className="w-full rounded-md border border-gray-400 px-3 py-3 text-base outline-none focus:border-accent focus:ring-1 focus:ring-accent"
            />
          </div>
          {error && (
            <p id="signin-error" role="alert" className="text-sm text-red">
              {error}
            </p>
          )}
          <div className="flex justify-end pt-4">
            <Button type="submit" variant="primary" size="lg" disabled={busy || !email || !password} className="hover:shadow">
              {busy ? 'Signing in…' : 'Sign in'}
            </Button>
          </div>
        </form>
      </div>
    </main>
  );
}
