// The store's admin repositories, through the package's public index.
export * from '@kopitra/store';
