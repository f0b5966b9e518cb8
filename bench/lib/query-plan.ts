import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Db } from '../../src/db/index.ts';
import { median } from './measure.ts';

/** A query that Kysely sent, with SQLite's plan for it and its time. */
export interface ExplainedQuery {
  sql: string;
  /** The plan's steps, each indented by two spaces per level below the top. */
  plan: string[];
  /** Median time of the query's runs with the same parameters, on the read-only connection. */
  medianMs: number;
}

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

/**
 * Runs `work` on a read-only connection to the SQLite file, records every query it sends, and
 * returns the queries with SQLite's EXPLAIN QUERY PLAN for each and the median time of `runs`
 * runs after one untimed run. The plans are those of the server's own SQL, because `work` calls
 * the server's query code.
 */
export async function explainQueries(
  file: string,
  work: (db: Db) => Promise<unknown>,
  runs: number,
): Promise<ExplainedQuery[]> {
  const database = new SQLite(file, { readonly: true });
  const sent: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const db: Db = new Kysely({
    dialect: new SqliteDialect({ database }),
    log: (event) => {
      if (event.level === 'query') sent.push(event.query);
    },
  });

  try {
    await work(db);
    return sent.map(({ sql, parameters }) => {
      const rows = database.prepare(`explain query plan ${sql}`).all(...parameters) as PlanRow[];
      const statement = database.prepare(sql);
      return {
        sql,
        plan: indentPlan(rows),
        medianMs: medianTime(() => statement.all(...parameters), runs),
      };
    });
  } finally {
    await db.destroy();
  }
}

function medianTime(run: () => unknown, runs: number): number {
  run();
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times.sort((a, b) => a - b));
}

/** Indents each step under its parent, which SQLite lists before its children. */
function indentPlan(rows: PlanRow[]): string[] {
  const depth = new Map<number, number>([[0, -1]]);
  return rows.map((row) => {
    const level = (depth.get(row.parent) ?? -1) + 1;
    depth.set(row.id, level);
    return `${'  '.repeat(level)}${row.detail}`;
  });
}
