/**
 * A TypeBox schema is JSON Schema already; OpenAPI 3.1 takes it as is. This drops TypeBox's
 * symbol keys (JSON does anyway) and what OpenAPI has no use for.
 */
export function toJsonSchema(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema ?? {}));
}
