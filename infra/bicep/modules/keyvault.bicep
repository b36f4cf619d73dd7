// Key Vault (RBAC mode) holding every secret the services read, and the user-assigned managed
// identity the container apps / AKS pods use to read them and to pull from the registry.
param prefix string
param location string
param tags object
param acrId string
param storageAccountName string
@description('postgres://… with __PASSWORD__ in place of the password.')
param databaseUrl string
@secure()
param postgresAdminPassword string
@secure()
param kopitraSecretKey string
@secure()
param adminBootstrapPassword string
@secure()
param appInsightsConnectionString string

var secretsUserRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
var acrPullRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${prefix}'
  location: location
  tags: tags
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-${prefix}-${uniqueString(resourceGroup().id)}', 24)
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
  }
}

resource readSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, secretsUserRole)
  properties: { roleDefinitionId: secretsUserRole, principalId: identity.properties.principalId, principalType: 'ServicePrincipal' }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: last(split(acrId, '/'))
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(acrId, identity.id, acrPullRole)
  properties: { roleDefinitionId: acrPullRole, principalId: identity.properties.principalId, principalType: 'ServicePrincipal' }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

var secrets = {
  'database-url': replace(databaseUrl, '__PASSWORD__', uriComponent(postgresAdminPassword))
  'kopitra-secret-key': kopitraSecretKey
  'storage-connection-string': storageConnection
  'appinsights-connection-string': appInsightsConnectionString
  'admin-bootstrap-password': adminBootstrapPassword
}

resource vaultSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for s in items(secrets): {
  parent: vault
  name: s.key
  properties: { value: s.value }
}]

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
output identityId string = identity.id
output identityName string = identity.name
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
