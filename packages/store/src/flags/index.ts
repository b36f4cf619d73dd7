export * from './flags';
export * from './flags-reader';
