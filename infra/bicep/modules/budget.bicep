// A monthly cost budget on the resource group: email at 80 % of actual spend and at 100 % of the
// forecast — the early warning for a cost anomaly (a runaway log stream, a scaled-out app).
param prefix string
param amount int
@description('First day of the current month, yyyy-MM-dd.')
param startDate string
param alertEmail string

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = {
  name: 'budget-${prefix}'
  properties: {
    category: 'Cost'
    amount: amount
    timeGrain: 'Monthly'
    timePeriod: { startDate: startDate }
    notifications: {
      actual80: { enabled: true, operator: 'GreaterThanOrEqualTo', threshold: 80, thresholdType: 'Actual', contactEmails: [alertEmail] }
      forecast100: { enabled: true, operator: 'GreaterThanOrEqualTo', threshold: 100, thresholdType: 'Forecasted', contactEmails: [alertEmail] }
    }
  }
}
