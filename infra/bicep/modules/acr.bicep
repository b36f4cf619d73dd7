// Container Registry, Basic tier (10 GB is plenty for three small images); no admin user —
// pulls go through the managed identity's AcrPull role.
param acrName string
param location string
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrName
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
    policies: { retentionPolicy: { status: 'disabled', days: 7 } }
  }
}

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer
