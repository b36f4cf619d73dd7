import type { AuthConfig } from './api/types';

/**
 * Sign-in with the configured OpenID Connect issuer (Microsoft Entra ID in production): the
 * browser goes to the issuer's authorize URL and comes back to /auth/callback with an ID token
 * in the fragment, which the management API accepts as a bearer token (its role from the claim
 * the API is configured with). State and nonce guard the round trip.
 */
const KEY = 'kopitra.oidc';

function random(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function callbackUrl(): string {
  return `${window.location.origin}/auth/callback`;
}

export function startOidcSignIn(oidc: NonNullable<AuthConfig['oidc']>): void {
  const state = random();
  const nonce = random();
  sessionStorage.setItem(KEY, JSON.stringify({ state, nonce }));
  const url = new URL(oidc.authorizeUrl);
  url.searchParams.set('client_id', oidc.clientId);
  url.searchParams.set('response_type', 'id_token');
  url.searchParams.set('response_mode', 'fragment');
  url.searchParams.set('redirect_uri', callbackUrl());
  url.searchParams.set('scope', (oidc.scopes.length ? oidc.scopes : ['openid', 'profile', 'email']).join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  window.location.assign(url.toString());
}

/** Reads the ID token from the callback fragment; null with a reason when it does not check out. */
export function finishOidcSignIn(hash: string): { token: string; expiresAt: string } | { error: string } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const expected = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as { state: string; nonce: string } | null;
  sessionStorage.removeItem(KEY);
  if (params.get('error')) return { error: params.get('error_description') ?? params.get('error')! };
  const token = params.get('id_token');
  if (!token || !expected || params.get('state') !== expected.state) return { error: 'The sign-in answer did not match this browser session. Try again.' };
  try {
    const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { nonce?: string; exp?: number };
    if (claims.nonce !== expected.nonce) return { error: 'The sign-in answer did not match this browser session. Try again.' };
    return { token, expiresAt: new Date((claims.exp ?? Date.now() / 1000 + 3600) * 1000).toISOString() };
  } catch {
    return { error: 'The identity provider sent an unreadable token.' };
  }
}
