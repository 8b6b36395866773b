/**
 * The floors the targets are measured against, computed in the same run:
 * - the bulk-write floor: one `INSERT ... SELECT FROM jsonb_to_recordset` of N rows shaped like a table of the host
 *   (same columns, defaults and indexes; `LIKE ... INCLUDING DEFAULTS INCLUDING INDEXES`) into a scratch table of
 *   the same database, timed from the bench, then dropped: what writing N rows costs at best on this machine now;
 * - the sequential chain: requests that cannot overlap × the injected latency.
 */
import { randomUUID } from 'node:crypto';
import { type Client } from 'pg';

interface Column {
  name: string;
  type: string;
  typname: string;
  category: string;
  hasDefault: boolean;
}

async function columnsOf(client: Client, table: string): Promise<Column[]> {
  const result = await client.query<{
    name: string;
    type: string;
    typname: string;
    category: string;
    has_default: boolean;
  }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, t.typname, t.typcategory as category,
            (d.adbin is not null) as has_default
       from pg_attribute a
       join pg_type t on t.oid = a.atttypid
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      order by a.attnum`,
    [table],
  );
  return result.rows.map((row) => ({
    name: row.name,
    type: row.type,
    typname: row.typname,
    category: row.category,
    hasDefault: row.has_default,
  }));
}

/** A value of the column's type, unique per row where a unique index could ask for it. */
function valueFor(column: Column, row: number): unknown {
  if (column.typname === 'uuid') return randomUUID();
  if (column.typname === 'jsonb' || column.typname === 'json') return {};
  if (column.category === 'A') return [`+49 30 ${200000 + row}`];
  if (column.category === 'B') return true;
  if (column.category === 'N') return row;
  if (column.category === 'D') return new Date().toISOString();
  if (/mail|principal/.test(column.name)) return `user${row}.bench@fabrikam.test`;
  return `${column.name.replace(/_/g, ' ')} ${row}`;
}

export interface BulkWriteFloor {
  table: string;
  rows: number;
  ms: number;
}

/**
 * Times one set-based insert of `rows` rows shaped like `table` (every column without a default filled, as a sync
 * fills a new row; enum-like check constraints and foreign keys are not copied, so any value of the type does).
 */
export async function measureBulkWrite(client: Client, table: string, rows: number): Promise<BulkWriteFloor> {
  const columns = (await columnsOf(client, table)).filter(
    (column) => !column.hasDefault && column.category !== 'E',
  );
  const scratch = `bench_floor_${table}`;
  await client.query(`drop table if exists ${scratch}`);
  await client.query(`create table ${scratch} (like ${table} including defaults including indexes)`);
  try {
    const payload = JSON.stringify(
      Array.from({ length: rows }, (_, row) =>
        Object.fromEntries(columns.map((column) => [column.name, valueFor(column, row)])),
      ),
    );
    const names = columns.map((column) => `"${column.name}"`).join(', ');
    const record = columns.map((column) => `"${column.name}" ${column.type}`).join(', ');
    const started = process.hrtime.bigint();
    await client.query(
      `insert into ${scratch} (${names}) select ${names} from jsonb_to_recordset($1::jsonb) as x(${record})`,
      [payload],
    );
    return { table, rows, ms: Number((process.hrtime.bigint() - started) / 1_000_000n) };
  } finally {
    await client.query(`drop table if exists ${scratch}`);
  }
}

export interface Floor {
  /** What the floor is made of, in words, with its parts. */
  basis: string;
  parts: Record<string, number>;
  floorMs: number;
}

export interface TargetResult {
  target: string;
  limit: string;
  figure: number | string | null;
  floor: number | string | null;
  ratio: number | null;
  met: boolean;
  /** What else bounds the figure in this run, where a target's floor is not the only bound (photos: the CPU). */
  bound?: Record<string, unknown>;
}

export function ratio(figure: number, floor: number): number {
  return floor > 0 ? Math.round((figure / floor) * 100) / 100 : 0;
}
