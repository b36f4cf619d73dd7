/**
 * Readiness checks beyond the database, registered by whoever owns the dependency (the task
 * queue registers `queue`): keyed by the plugin's context object so two plugins in one process
 * keep their own.
 */
export type HealthCheck = () => Promise<void>;

const registry = new WeakMap<object, Map<string, HealthCheck>>();

export function addHealthCheck(owner: object, name: string, check: HealthCheck): void {
  const map = registry.get(owner) ?? new Map<string, HealthCheck>();
  map.set(name, check);
  registry.set(owner, map);
}

export function healthChecksOf(owner: object): Map<string, HealthCheck> {
  return registry.get(owner) ?? new Map();
}
