import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { finishOidcSignIn, startOidcSignIn } from '../oidc';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';
import { errorText } from '../ui/states';

export function SignInPage() {
  const { signIn, notice } = useSession();
  const { path } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A server without /auth/config offers local sign-in only.
  const config = useQuery({ queryKey: ['auth-config'], queryFn: api.authConfig, retry: false, staleTime: 300_000 });
  const oidc = config.data?.oidc ?? null;
  const local = config.data ? config.data.local : true;

  useEffect(() => {
    if (path !== '/auth/callback') return;
    const got = finishOidcSignIn(window.location.hash);
    if ('error' in got) {
      setError(got.error);
      navigate('/', { replace: true });
      return;
    }
    api.setToken(got.token);
    api.me().then(
      (operator) => { signIn({ token: got.token, expiresAt: got.expiresAt, operator }); navigate('/', { replace: true }); },
      (e: unknown) => { api.setToken(null); setError(errorText(e)); navigate('/', { replace: true }); },
    );
  }, [path, signIn]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      signIn(await api.login(email.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Wrong email or password.'
        : err instanceof ApiError && err.status === 429 ? 'Too many failed attempts. Wait a few minutes and try again.'
          : errorText(err));
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <div className="signin-card">
        <div className="brand brand-lg"><span className="brand-mark" aria-hidden="true">K</span> Kopitra <span className="brand-sub">ops console</span></div>
        {notice ? <p className="notice" role="status">{notice}</p> : null}
        {local ? (
          <form onSubmit={(e) => void submit(e)} aria-label="Sign in" noValidate>
            <div className="field">
              <label htmlFor="email">Email</label>
              <input id="email" name="email" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="password">Password</label>
              <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </div>
            {error ? <p className="form-error" role="alert">{error}</p> : null}
            <button type="submit" className="btn btn-primary btn-block" disabled={busy || !email || !password}>{busy ? 'Signing in…' : 'Sign in'}</button>
          </form>
        ) : error ? <p className="form-error" role="alert">{error}</p> : null}
        {oidc ? (
          <>
            {local ? <div className="or"><span>or</span></div> : null}
            <button type="button" className="btn btn-ghost btn-block" onClick={() => startOidcSignIn(oidc)}>Sign in with Microsoft Entra ID</button>
          </>
        ) : null}
        <p className="signin-foot">First start? The admin login is printed once in the launcher's log.</p>
      </div>
    </main>
  );
}
