export * from './db';
export * from './open-db';
export * from './migrate';
export * from './secret-box';
export * from './ids';
export * from './copy';
export * from './pg-db';
export * from './pglite-db';
