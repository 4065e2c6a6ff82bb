/** restic's REST server. Credentials go into the URL's userinfo, as Stash does. */
import { StowageError } from '../../errors.ts';
import type { BackendProvider } from '../types.ts';

export const restBackend: BackendProvider<'rest'> = {
  provider: 'rest',
  plan: (spec, secret) => {
    const user = secret.optional('REST_SERVER_USERNAME');
    const password = secret.optional('REST_SERVER_PASSWORD');
    return { repository: `rest:${withUserinfo(spec.url, user, password)}` };
  },
};

/**
 * Inserts `user[:password]@` after `scheme://` and leaves the rest of the URL byte for byte
 * (a URL parser would normalize host and path). Escaping follows Go's url.UserPassword.
 */
export function withUserinfo(url: string, user: string | undefined, password: string | undefined): string {
  if (user === undefined) return url;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)(?:[^/?#@]*@)?(.*)$/.exec(url);
  if (!m)
    throw new StowageError(
      'INVALID_INPUT',
      `rest backend url "${url}" has no scheme (expected http:// or https://)`,
    );
  const userinfo =
    password === undefined ? escapeUserinfo(user) : `${escapeUserinfo(user)}:${escapeUserinfo(password)}`;
  return `${m[1]}${userinfo}@${m[2]}`;
}

/** Go's shouldEscape(encodeUserPassword): unreserved and `$&+,;=` stay, everything else is %XX. */
function escapeUserinfo(s: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~$&+,;=]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
