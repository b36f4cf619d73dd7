import type { Db, SecretBox } from '@kopitra/store';
import type { Authenticator } from '../auth/authenticate';
import type { LoginThrottle } from '../auth/login-throttle';
import type { AdminConfig } from '../config';

/** What every route handler works with, built once by the plugin. */
export interface AdminContext {
  db: Db;
  secretBox: SecretBox;
  config: AdminConfig;
  auth: Authenticator;
  throttle: LoginThrottle;
  signingKey: Buffer;
  now: () => number;
}
