// @kopitra/observability — logs, metrics and traces shared by every Kopitra service.
export { LOG_REDACT_PATHS, loggerOptions, redactUrl, requestIdOptions, type LoggerOptions } from './logger-options';
export { createMetrics, type CopyCommits, type KopitraMetrics } from './metrics-registry';
export { registerMetrics } from './metrics-plugin';
export { requestLogOptions } from './request-log';
export { readObservabilityEnv, startTelemetry, type TelemetryHandle } from './telemetry';
