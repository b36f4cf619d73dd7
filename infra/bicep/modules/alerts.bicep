// Alerts to the on-call email: EA connectivity (EA requests to the gateway stop arriving), order
// latency (signal-to-delivery p95), API failures (5xx rate on either service).
// Log-based rules read the Container Apps console/system logs and App Insights requests.
param prefix string
param location string
param tags object
param alertEmail string
param appInsightsId string
param logAnalyticsId string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${prefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'kopitra'
    enabled: true
    emailReceivers: [{ name: 'oncall', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var rules = [
  {
    name: 'ea-connectivity'
    description: 'No EA request reached the gateway for 10 minutes during market hours (EAs disconnected or gateway unreachable). Runbook: docs/runbooks/ea-failover.md'
    severity: 1
    query: 'AppRequests | where Url has "/trade-agent/v1/" | summarize n = count() by bin(TimeGenerated, 5m) | where n > 0'
    operator: 'LessThan'
    threshold: 1
    window: 'PT10M'
  }
  {
    name: 'order-latency'
    description: 'p95 of GET /trade-agent/v1/orders answered with orders above 2 s, or executions lagging: followers copy late. Runbook: docs/runbooks/incident-triage.md'
    severity: 2
    query: 'AppRequests | where Url has "/trade-agent/v1/signals" | summarize p95 = percentile(DurationMs, 95) | where p95 > 2000'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
  }
  {
    name: 'api-failures'
    description: 'More than 5 % of gateway or management API requests failed with 5xx in 10 minutes. Runbook: docs/runbooks/incident-triage.md'
    severity: 1
    query: 'AppRequests | summarize total = count(), failed = countif(toint(ResultCode) >= 500) | where total > 20 and failed * 100.0 / total > 5'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT10M'
  }
]

resource queryRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for r in rules: {
  name: 'alert-${prefix}-${r.name}'
  location: location
  tags: tags
  properties: {
    displayName: 'Kopitra ${r.name}'
    description: r.description
    severity: r.severity
    enabled: true
    scopes: [logAnalyticsId]
    evaluationFrequency: 'PT5M'
    windowSize: r.window
    criteria: {
      allOf: [{
        query: r.query
        timeAggregation: 'Count'
        operator: r.operator
        threshold: r.threshold
        failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
      }]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}]

// Availability of the gateway from outside: App Insights standard metric alert on failed requests.
resource failedRequests 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${prefix}-failed-requests'
  location: 'global'
  tags: tags
  properties: {
    description: 'Failed requests spike (App Insights requests/failed).'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [{ name: 'failed', criterionType: 'StaticThresholdCriterion', metricName: 'requests/failed', operator: 'GreaterThan', threshold: 50, timeAggregation: 'Count' }]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

output actionGroupId string = actionGroup.id
