// Container Apps environment (Consumption) and the three apps. The gateway keeps one replica
// always (EAs long-poll it; a cold start would stall every follower) and scales out on concurrent
// requests; the management API and the console scale to zero when nobody uses them.
// Probes: readiness and liveness both use each service's health route.
param prefix string
param location string
param tags object
param acrLoginServer string
param imageTag string
param identityId string
param keyVaultUri string
param logAnalyticsCustomerId string
param logAnalyticsName string
param adminEmail string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'cae-${prefix}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logAnalyticsCustomerId, sharedKey: workspace.listKeys().primarySharedKey }
    }
    workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
  }
}

// Key Vault references, read with the app's user-assigned identity.
var kvSecret = map(['database-url', 'kopitra-secret-key', 'appinsights-connection-string', 'storage-connection-string', 'admin-bootstrap-password'], name => {
  name: name
  keyVaultUrl: '${keyVaultUri}secrets/${name}'
  identity: identityId
})
var registries = [{ server: acrLoginServer, identity: identityId }]
var identityBlock = { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }

var gatewayEnv = [
  { name: 'HOST', value: '0.0.0.0' }
  { name: 'PORT', value: '8081' }
  { name: 'LOG_LEVEL', value: 'info' }
  { name: 'DATABASE_URL', secretRef: 'database-url' }
  { name: 'KOPITRA_SECRET_KEY', secretRef: 'kopitra-secret-key' }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', secretRef: 'appinsights-connection-string' }
  { name: 'KOPITRA_DATA_DIR', value: '/tmp/kopitra' }
  { name: 'KOPITRA_DB_POOL_SIZE', value: '10' }
  { name: 'KOPITRA_WARM_UP_ROUNDS', value: '6' }
  { name: 'KOPITRA_WARM_UP_SIGNALS', value: '400' }
  { name: 'KOPITRA_EA_RATE_LIMIT_RPS', value: '200' }
  { name: 'KOPITRA_EA_RATE_LIMIT_BURST', value: '400' }
  { name: 'KOPITRA_LONG_POLL_MAX_SECONDS', value: '30' }
  { name: 'KOPITRA_LONG_POLL_FALLBACK_MS', value: '1000' }
  { name: 'KOPITRA_DELIVERY_STAMP_DELAY_MS', value: '1000' }
  { name: 'KOPITRA_JOURNAL_FROM_FOLLOWERS', value: '100' }
  { name: 'KOPITRA_MAX_LONG_POLLS_PER_ACCOUNT', value: '4' }
  { name: 'KOPITRA_IDEMPOTENCY_RETENTION_HOURS', value: '48' }
]

var adminEnv = [
  { name: 'HOST', value: '0.0.0.0' }
  { name: 'PORT', value: '8082' }
  { name: 'LOG_LEVEL', value: 'info' }
  { name: 'DATABASE_URL', secretRef: 'database-url' }
  { name: 'KOPITRA_SECRET_KEY', secretRef: 'kopitra-secret-key' }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', secretRef: 'appinsights-connection-string' }
  { name: 'AZURE_STORAGE_CONNECTION_STRING', secretRef: 'storage-connection-string' }
  { name: 'KOPITRA_ADMIN_EMAIL', value: adminEmail }
  { name: 'KOPITRA_ADMIN_PASSWORD', secretRef: 'admin-bootstrap-password' }
  { name: 'KOPITRA_ADMIN_TOKEN_TTL_SECONDS', value: '28800' }
  { name: 'KOPITRA_ADMIN_OPERATOR_CACHE_MS', value: '5000' }
  { name: 'KOPITRA_ADMIN_BODY_LIMIT_BYTES', value: '262144' }
  { name: 'KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_EMAIL', value: '5' }
  { name: 'KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_IP', value: '50' }
  { name: 'KOPITRA_ADMIN_LOGIN_WINDOW_SECONDS', value: '900' }
  { name: 'KOPITRA_ONLINE_WINDOW_SECONDS', value: '30' }
  { name: 'KOPITRA_DASHBOARD_CACHE_SECONDS', value: '5' }
  { name: 'KOPITRA_EVENTS_HEARTBEAT_SECONDS', value: '15' }
  { name: 'KOPITRA_TASK_QUEUE', value: 'kopitra-tasks' }
  { name: 'KOPITRA_BLOB_CONTAINER', value: 'kopitra-artifacts' }
  // Scaled to zero, queued tasks wait for the next request; the queue scale rule wakes it too.
  { name: 'KOPITRA_TASK_WORKER', value: '1' }
  { name: 'KOPITRA_EA_LOG_MAX_BYTES', value: '65536' }
  { name: 'REDIS_URL', value: '' }
  { name: 'KOPITRA_OIDC_ISSUER', value: '' }
  { name: 'KOPITRA_OIDC_AUDIENCE', value: '' }
  { name: 'KOPITRA_OIDC_JWKS_URI', value: '' }
  { name: 'KOPITRA_OIDC_CLIENT_ID', value: '' }
  { name: 'KOPITRA_OIDC_AUTHORIZE_URL', value: '' }
  { name: 'KOPITRA_OIDC_SCOPES', value: '' }
  { name: 'KOPITRA_OIDC_ROLE_CLAIM', value: '' }
  { name: 'KOPITRA_OIDC_ROLE_MAP', value: '' }
  { name: 'KOPITRA_OIDC_TENANT_ID', value: '' }
]

func probes(path string, port int) array => [
  { type: 'Startup', httpGet: { path: path, port: port }, periodSeconds: 2, failureThreshold: 30 }
  { type: 'Readiness', httpGet: { path: path, port: port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 }
  { type: 'Liveness', httpGet: { path: path, port: port }, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 8 }
]

resource gateway 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-${prefix}-gateway'
  location: location
  tags: tags
  identity: identityBlock
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      ingress: { external: true, targetPort: 8081, transport: 'http', allowInsecure: false }
      registries: registries
      secrets: filter(kvSecret, s => contains(['database-url', 'kopitra-secret-key', 'appinsights-connection-string'], s.name))
    }
    template: {
      terminationGracePeriodSeconds: 30
      containers: [{
        name: 'gateway'
        image: '${acrLoginServer}/kopitra/gateway:${imageTag}'
        resources: { cpu: json('0.25'), memory: '0.5Gi' }
        env: gatewayEnv
        probes: probes('/trade-agent/v1/health', 8081)
      }]
      scale: {
        minReplicas: 1
        maxReplicas: 3
        rules: [{ name: 'concurrent-requests', http: { metadata: { concurrentRequests: '200' } } }]
      }
    }
  }
}

resource adminApi 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-${prefix}-admin-api'
  location: location
  tags: tags
  identity: identityBlock
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      // Internal: the console proxies /admin/v1 to it.
      ingress: { external: false, targetPort: 8082, transport: 'http', allowInsecure: true }
      registries: registries
      secrets: kvSecret
    }
    template: {
      containers: [{
        name: 'admin-api'
        image: '${acrLoginServer}/kopitra/admin-api:${imageTag}'
        resources: { cpu: json('0.25'), memory: '0.5Gi' }
        env: adminEnv
        probes: probes('/admin/v1/health', 8082)
      }]
      scale: {
        minReplicas: 0
        maxReplicas: 2
        rules: [
          { name: 'http', http: { metadata: { concurrentRequests: '50' } } }
          {
            name: 'task-queue'
            azureQueue: { queueName: 'kopitra-tasks', queueLength: 1, auth: [{ secretRef: 'storage-connection-string', triggerParameter: 'connection' }] }
          }
        ]
      }
    }
  }
}

resource console 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-${prefix}-web'
  location: location
  tags: tags
  identity: identityBlock
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      ingress: { external: true, targetPort: 8080, transport: 'http', allowInsecure: false }
      registries: registries
    }
    template: {
      containers: [{
        name: 'web-frontend'
        image: '${acrLoginServer}/kopitra/web-frontend:${imageTag}'
        resources: { cpu: json('0.25'), memory: '0.5Gi' }
        env: [{ name: 'KOPITRA_ADMIN_API_UPSTREAM', value: 'http://${adminApi.properties.configuration.ingress.fqdn}' }]
        probes: probes('/healthz', 8080)
      }]
      scale: {
        minReplicas: 0
        maxReplicas: 2
        rules: [{ name: 'http', http: { metadata: { concurrentRequests: '100' } } }]
      }
    }
  }
}

output gatewayUrl string = 'https://${gateway.properties.configuration.ingress.fqdn}/trade-agent/v1'
output consoleUrl string = 'https://${console.properties.configuration.ingress.fqdn}'
