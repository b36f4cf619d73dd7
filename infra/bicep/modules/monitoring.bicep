// Log Analytics with a daily ingestion cap (the biggest cost risk of a chatty service) and
// workspace-based Application Insights for the services' OpenTelemetry export.
param prefix string
param location string
param tags object
@description('Daily ingestion cap in GB, a decimal as text (e.g. 0.2); ingestion stops for the day when reached.')
param dailyCapGb string
param retentionDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${prefix}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionDays
    workspaceCapping: { dailyQuotaGb: json(dailyCapGb) }
    features: { enableLogAccessUsingOnlyResourcePermissions: true }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${prefix}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Sampling happens in the SDK; keep ingestion bounded by the workspace cap.
    IngestionMode: 'LogAnalytics'
    RetentionInDays: retentionDays
  }
}

output workspaceId string = workspace.id
output workspaceName string = workspace.name
output customerId string = workspace.properties.customerId
output appInsightsId string = appInsights.id
output appInsightsConnectionString string = appInsights.properties.ConnectionString
