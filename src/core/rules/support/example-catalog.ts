/**
 * Catalogs for rule examples: one table in `public` as the catalog snapshot would describe it,
 * on PostgreSQL 15. Only what an example is about is given; the rest is a plausible default
 * (a million rows in 64 MB, no validated NOT NULL checks).
 */
import type { CatalogFacts, TableFacts } from '../../schema/facts.js';

export function exampleCatalog(table: string, facts: Partial<Omit<TableFacts, 'schema' | 'name'>> = {}): CatalogFacts {
  return {
    serverVersion: 150000,
    tables: {
      [`public.${table}`]: {
        schema: 'public',
        name: table,
        rowEstimate: 1e6,
        bytes: 64 * 1024 * 1024,
        notNullChecks: [],
        columns: {},
        ...facts,
      },
    },
  };
}
