// @kopitra/storage — Azure Blob and Queue Storage adapters (Azurite locally, a storage account in production).
export * from './connection-string';
export * from './blob-store';
export * from './task-queue';
export * from './azurite';
export * from './open-storage';
