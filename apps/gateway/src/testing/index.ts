export * from './fixtures';
export * from './spawn-gateway';
