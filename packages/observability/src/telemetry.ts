/**
 * OpenTelemetry traces, metrics and logs to Azure Monitor (Application Insights) — only when a
 * connection string is configured; the SDK is loaded with a dynamic import so a local run does
 * not pay for it. Call it first thing in an entry point, before the HTTP server is created, so
 * the HTTP instrumentation sees every request. The cloud role name on the Application Map comes
 * from `OTEL_SERVICE_NAME`, set by the deployment.
 */
export interface TelemetryHandle {
  enabled: boolean;
  shutdown(): Promise<void>;
}

export async function startTelemetry(connectionString: string | undefined): Promise<TelemetryHandle> {
  if (!connectionString) return { enabled: false, async shutdown() {} };
  const azure = await import('@azure/monitor-opentelemetry');
  azure.useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    instrumentationOptions: { http: { enabled: true }, postgreSql: { enabled: true }, redis4: { enabled: false } },
  });
  return { enabled: true, shutdown: () => azure.shutdownAzureMonitor() };
}

/** What an entry point reads from the environment for observability. */
export function readObservabilityEnv(env: Record<string, string | undefined>): { appInsightsConnectionString: string | undefined } {
  const v = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  return { appInsightsConnectionString: v && v.trim() !== '' ? v : undefined };
}
