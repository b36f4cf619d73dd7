export { adminApiPlugin, ADMIN_LOG_REDACT, type AdminApiDeps } from './plugin';
export { buildAdminApp, adminLoggerOptions, ADMIN_PREFIX } from './app';
export { loadAdminConfig, loadAdminServerConfig, ConfigError, type AdminConfig, type AdminServerConfig, type LoginThrottleConfig } from './config';
export { ensureBootstrapAdmin, DEFAULT_ADMIN_EMAIL, type BootstrapResult } from './bootstrap-admin';
export {
  SubscriptionSettingsSchema, SubscriptionSettingsInputSchema, SubscriptionSettingsPatchSchema, Sizing, SizingInput,
  SUBSCRIPTION_DEFAULTS, SETTING_NAMES, normaliseSubscriptionSettings, mergeSubscriptionSettings,
  type SubscriptionSettings, type SubscriptionSettingsInput, type SubscriptionSettingsPatch, type SizingMode,
} from './subscription-settings';
export { hashPassword, verifyPassword } from './auth/password-hash';
export { SubscriptionSchema } from './routes/subscription-routes';
export { AccountViewSchema } from './routes/account-routes';
export { OperatorSchema } from './routes/operator-routes';
export { loadStorageConfig, type StorageConfig } from './config';
export { createTaskWorker, TASKS, type TaskWorker, type TaskWorkerDeps } from './tasks';
