// Storage for artifacts (reports, EA logs, audit bundles) and the task queue. EA logs move to the
// cool tier after 30 days and are deleted after 180; audit bundles go cool after 30 days.
param prefix string
param location string
param tags object

var accountName = take(toLower(replace('st${prefix}${uniqueString(resourceGroup().id)}', '-', '')), 24)

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // Blob restore (runbook postgres-and-blob-restore.md) needs versioning, change feed and soft delete.
    isVersioningEnabled: true
    changeFeed: { enabled: true, retentionInDays: 14 }
    deleteRetentionPolicy: { enabled: true, days: 14 }
    containerDeleteRetentionPolicy: { enabled: true, days: 14 }
    restorePolicy: { enabled: true, days: 7 }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in ['kopitra-artifacts', 'ea-logs', 'audit-bundles', 'reports']: {
  parent: blobService
  name: name
  properties: { publicAccess: 'None' }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for name in ['kopitra-tasks', 'kopitra-tasks-poison']: {
  parent: queueService
  name: name
}]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'ea-logs-to-cool'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['ea-logs/', 'kopitra-artifacts/ea_log/'] }
            actions: {
              baseBlob: {
                tierToCool: { daysAfterModificationGreaterThan: 30 }
                delete: { daysAfterModificationGreaterThan: 180 }
              }
              version: { delete: { daysAfterCreationGreaterThan: 30 } }
            }
          }
        }
        {
          name: 'audit-bundles-to-cool'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['audit-bundles/', 'kopitra-artifacts/audit_bundle/'] }
            actions: { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 30 } } }
          }
        }
      ]
    }
  }
  dependsOn: [containers]
}

output name string = account.name
output id string = account.id
