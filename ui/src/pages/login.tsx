/**
 * `/login`, when API authentication is on: username and password against the same user store
 * as basic auth. `POST /ui/login` sets an HttpOnly session cookie (the stream honours it).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { CSRF_HEADER } from '../lib/api.js';
import { navigate, useLocation } from '../lib/router.js';

export default function Login() {
  const { query } = useLocation();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Log in · Drover';
  }, []);
  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const res = await fetch('/ui/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...CSRF_HEADER },
        body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
      });
      if (res.ok) {
        const next = query.get('next') ?? '/';
        navigate(next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
        return;
      }
      const body = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { message?: string };
      if (res.status === 400 && body.message === 'authentication is not enabled')
        setError('This server needs no login: authentication is off.');
      else
        setError(
          ((await res.json().catch(() => ({}))) as { message?: string }).message ??
            'Wrong username or password',
        );
    } catch {
      setError('The server cannot be reached');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <form className="login-box" onSubmit={(e) => void submit(e)}>
        <h1>Drover</h1>
        <label className="field">
          Username
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label className="field">
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
