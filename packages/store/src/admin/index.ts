/** Repositories of the management API: every change writes its audit row and cache notification in the caller's transaction. */
export * from './audit-log';
export * from './canonical-json';
export * from './notify-cache';
export * from './page';
export * from './operators';
export * from './accounts';
export * from './credentials';
export * from './subscriptions';
export * from './settings-store';
