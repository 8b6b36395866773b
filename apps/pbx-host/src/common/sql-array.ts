/**
 * SQL for a PostgreSQL array from ONE bound parameter holding a JSON array, e.g. a column set to
 * `${jsonArray('uuid')}` bound to `JSON.stringify(ids)`.
 *
 * The query layer (knex) expands a bound JS array into a comma list, which is not an array and costs one
 * parameter per element; a single JSON parameter works for any batch size and escapes every value.
 */
export function jsonArray(type: 'text' | 'uuid'): string {
  return `array(select jsonb_array_elements_text(?::jsonb))::${type}[]`;
}

/**
 * SQL for "is one of" a list bound as ONE JSON parameter: `id in ${jsonSet('uuid')}` bound to `JSON.stringify(ids)`.
 *
 * A subquery, not `= any(array(...))`: PostgreSQL compares a row with an array built by a subquery element by
 * element, so a tenant whose rows the statistics do not know yet (a new tenant in a table that other tenants fill)
 * cost rows × list length comparisons (150 ms for 999 numbers against 9,000 users); a subquery is a semi-join,
 * probed through the unique index or hashed whatever the planner believes
 * (https://www.postgresql.org/docs/current/functions-subquery.html).
 */
export function jsonSet(type: 'text' | 'uuid'): string {
  return `(select value::${type} from jsonb_array_elements_text(?::jsonb))`;
}
