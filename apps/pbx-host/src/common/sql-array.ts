/**
 * SQL for a PostgreSQL array from ONE bound parameter holding a JSON array, e.g.
 * `id = any(${jsonArray('uuid')})` bound to `JSON.stringify(ids)`.
 *
 * The query layer (knex) expands a bound JS array into a comma list, which is not an array and costs one
 * parameter per element; a single JSON parameter works for any batch size and escapes every value.
 */
export function jsonArray(type: 'text' | 'uuid'): string {
  return `array(select jsonb_array_elements_text(?::jsonb))::${type}[]`;
}
