// Azure Database for PostgreSQL Flexible Server, Burstable B1ms (1 vCore, 2 GiB), 32 GiB storage,
// 7-day point-in-time restore. The services connect with TLS (sslmode=require).
param prefix string
param location string
param tags object
@secure()
param adminPassword string
param adminLogin string = 'kopitra'
param highAvailability bool = false

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2023-12-01-preview' = {
  name: 'psql-${prefix}-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  sku: { name: 'Standard_B1ms', tier: 'Burstable' }
  properties: {
    version: '16'
    administratorLogin: adminLogin
    administratorLoginPassword: adminPassword
    storage: { storageSizeGB: 32, autoGrow: 'Disabled' }
    backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: highAvailability ? 'ZoneRedundant' : 'Disabled' }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-12-01-preview' = {
  parent: server
  name: 'kopitra'
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// Container Apps / AKS egress reaches the server over its public endpoint; Azure services only.
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2023-12-01-preview' = {
  parent: server
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

// B1ms allows ~50 connections: two gateways + admin at pool 10 each stay well below.
resource maxConnections 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2023-12-01-preview' = {
  parent: server
  name: 'max_connections'
  properties: { value: '50', source: 'user-override' }
}

output fqdn string = server.properties.fullyQualifiedDomainName
output name string = server.name
// The password is filled in by the Key Vault module (placeholder __PASSWORD__).
output databaseUrlTemplate string = 'postgres://${adminLogin}:__PASSWORD__@${server.properties.fullyQualifiedDomainName}:5432/${database.name}?sslmode=require'
