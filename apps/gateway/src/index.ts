export { gatewayPlugin, type GatewayPluginOptions } from './plugin';
export { buildGatewayApp } from './app';
export { loadGatewayConfig, DEFAULT_GATEWAY_CONFIG, type GatewayConfig } from './config';
export type { GatewayContext } from './gateway-context';
export { readOrCreateSecretKey } from './secret-key-file';
