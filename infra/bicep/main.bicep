// Kopitra on Azure, one resource group per environment:
//   az deployment sub create -l westeurope -f infra/bicep/main.bicep \
//     -p env=prod acrName=kopitraacr aksSku=None alertEmail=ops@example.com postgresAdminPassword=...
// aksSku=None deploys the Container Apps form (the ~USD 50 target); Free/Standard adds the
// single-node AKS alternative (manifests in infra/k8s) instead of the three container apps.
targetScope = 'subscription'

@allowed(['dev', 'staging', 'prod'])
param env string

@description('Globally unique Container Registry name (5-50 alphanumerics).')
@minLength(5)
@maxLength(50)
param acrName string

@description('None = Azure Container Apps; Free or Standard = AKS control-plane tier for the AKS alternative.')
@allowed(['None', 'Free', 'Standard'])
param aksSku string = 'None'

param location string = deployment().location
param imageTag string = 'latest'
param alertEmail string
@description('Monthly budget in USD; alerts at 80 % actual and 100 % forecast.')
param monthlyBudget int = env == 'prod' ? 60 : 30
param budgetStartDate string = '${utcNow('yyyy-MM')}-01'
@secure()
param postgresAdminPassword string
@description('32 random bytes, base64 (openssl rand -base64 32): seals EA secrets; the same for every service.')
@secure()
param kopitraSecretKey string
@description('Password of the first admin operator (KOPITRA_ADMIN_EMAIL = adminEmail).')
@secure()
param adminBootstrapPassword string
param adminEmail string = alertEmail

var prefix = 'kopitra-${env}'
var tags = { app: 'kopitra', env: env }
var useAks = aksSku != 'None'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${prefix}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: { prefix: prefix, location: location, tags: tags, dailyCapGb: env == 'prod' ? '0.3' : '0.1' }
}

module acr 'modules/acr.bicep' = {
  scope: rg
  name: 'acr'
  params: { acrName: acrName, location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  name: 'storage'
  params: { prefix: prefix, location: location, tags: tags }
}

module postgres 'modules/postgres.bicep' = {
  scope: rg
  name: 'postgres'
  params: { prefix: prefix, location: location, tags: tags, adminPassword: postgresAdminPassword, highAvailability: false }
}

module keyVault 'modules/keyvault.bicep' = {
  scope: rg
  name: 'keyvault'
  params: {
    prefix: prefix
    location: location
    tags: tags
    acrId: acr.outputs.id
    storageAccountName: storage.outputs.name
    databaseUrl: postgres.outputs.databaseUrlTemplate
    postgresAdminPassword: postgresAdminPassword
    kopitraSecretKey: kopitraSecretKey
    adminBootstrapPassword: adminBootstrapPassword
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
  }
}

module containerApps 'modules/containerapps.bicep' = if (!useAks) {
  scope: rg
  name: 'containerapps'
  params: {
    prefix: prefix
    location: location
    tags: tags
    acrLoginServer: acr.outputs.loginServer
    imageTag: imageTag
    identityId: keyVault.outputs.identityId
    keyVaultUri: keyVault.outputs.vaultUri
    logAnalyticsCustomerId: monitoring.outputs.customerId
    logAnalyticsName: monitoring.outputs.workspaceName
    adminEmail: adminEmail
  }
}

module aks 'modules/aks.bicep' = if (useAks) {
  scope: rg
  name: 'aks'
  params: {
    prefix: prefix
    location: location
    tags: tags
    skuTier: aksSku
    acrName: acrName
    identityName: keyVault.outputs.identityName
    logAnalyticsId: monitoring.outputs.workspaceId
  }
}

module alerts 'modules/alerts.bicep' = {
  scope: rg
  name: 'alerts'
  params: {
    prefix: prefix
    location: location
    tags: tags
    alertEmail: alertEmail
    appInsightsId: monitoring.outputs.appInsightsId
    logAnalyticsId: monitoring.outputs.workspaceId
  }
}

module budget 'modules/budget.bicep' = {
  scope: rg
  name: 'budget'
  params: { prefix: prefix, amount: monthlyBudget, startDate: budgetStartDate, alertEmail: alertEmail }
}

output resourceGroup string = rg.name
output acrLoginServer string = acr.outputs.loginServer
output gatewayUrl string = useAks ? 'see infra/k8s/ingress.yaml' : containerApps.outputs.gatewayUrl
output consoleUrl string = useAks ? 'see infra/k8s/ingress.yaml' : containerApps.outputs.consoleUrl
output keyVaultName string = keyVault.outputs.name
output identityClientId string = keyVault.outputs.identityClientId
