// The AKS alternative: one Standard_B2s system node (no autoscaler), workload identity + OIDC
// issuer for Key Vault through the Secrets Store CSI driver, Azure Monitor container insights,
// AcrPull for the kubelet identity. Manifests: infra/k8s.
param prefix string
param location string
param tags object
@allowed(['Free', 'Standard'])
param skuTier string
param acrName string
param identityName string
param logAnalyticsId string

resource cluster 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks-${prefix}'
  location: location
  tags: tags
  sku: { name: 'Base', tier: skuTier }
  identity: { type: 'SystemAssigned' }
  properties: {
    dnsPrefix: 'aks-${prefix}'
    agentPoolProfiles: [{
      name: 'system'
      mode: 'System'
      count: 1
      vmSize: 'Standard_B2s'
      osType: 'Linux'
      osSKU: 'AzureLinux'
      osDiskSizeGB: 30
      osDiskType: 'Managed'
      enableAutoScaling: false
      upgradeSettings: { maxSurge: '1' }
    }]
    oidcIssuerProfile: { enabled: true }
    securityProfile: { workloadIdentity: { enabled: true } }
    addonProfiles: {
      azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: 'true', rotationPollInterval: '2m' } }
      omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: logAnalyticsId } }
    }
    ingressProfile: { webAppRouting: { enabled: true } }
    autoUpgradeProfile: { upgradeChannel: 'patch', nodeOSUpgradeChannel: 'NodeImage' }
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

// Pods with serviceAccount kopitra/kopitra get the Key Vault identity's tokens.
resource federation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'aks-kopitra'
  properties: {
    issuer: cluster.properties.oidcIssuerProfile.issuerURL
    subject: 'system:serviceaccount:kopitra:kopitra'
    audiences: ['api://AzureADTokenExchange']
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: acrName
}

resource kubeletPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, cluster.id, 'acrpull')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
    principalId: cluster.properties.identityProfile.kubeletidentity.objectId
    principalType: 'ServicePrincipal'
  }
}

output name string = cluster.name
output oidcIssuer string = cluster.properties.oidcIssuerProfile.issuerURL
