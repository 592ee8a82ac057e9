import { as, qualifiedName } from '../sql/ast.js';
import { optionEnabled, sizeNote } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

/**
 * VACUUM FULL copies the table into a new file and rebuilds its indexes under ACCESS EXCLUSIVE
 * (sampled from a second session on PostgreSQL 15; relfilenode of the table and every index
 * changed): no app query, not even a SELECT, runs on the table until it is done, and the time
 * grows with the table (sizeDependent). Plain VACUUM already makes dead space reusable.
 */
export const vacuumFull: Rule = {
  id: 'vacuum-full',
  summary: 'VACUUM FULL: rewrites the table under ACCESS EXCLUSIVE',
  kinds: ['VacuumStmt'],
  check(s, ctx) {
    const vac = as(s.node, 'VacuumStmt');
    if (!vac || !optionEnabled(vac.options, 'full')) return [];
    const tables = (vac.rels ?? [])
      .map((r) => qualifiedName(as(r, 'VacuumRelation')?.relation))
      .filter((t) => t !== '');
    const finding = (relation?: string): Finding => {
      if (relation && ctx.isNew(relation)) {
        return {
          rule: this.id,
          phase: 'pre',
          lock: 'AccessExclusiveLock',
          relation,
          rewrite: true,
          message: `VACUUM FULL ${relation}, created earlier in this release: no app query uses it yet.`,
        };
      }
      const target = relation ?? 'every table in the database';
      return {
        rule: this.id,
        phase: 'unsafe',
        lock: 'AccessExclusiveLock',
        rewrite: true,
        sizeDependent: true,
        ...(relation ? { relation } : {}),
        message: `VACUUM FULL ${target}${relation ? sizeNote(ctx, relation) : ''}: rewrites the table and its indexes under ACCESS EXCLUSIVE; every app query on it, reads included, waits until it finishes.`,
        fix: `Use a plain VACUUM (ANALYZE)${relation ? ` ${relation}` : ''} to make dead space reusable without blocking. To give space back to the OS, run an online repack outside the migration, e.g. pg_repack --table=${relation ?? '<schema.table>'} (it holds ACCESS EXCLUSIVE only briefly at the start and end).`,
      };
    };
    return tables.length === 0 ? [finding()] : tables.map(finding);
  },
  examples: {
    fires: ['VACUUM FULL users', 'VACUUM (FULL, ANALYZE) "Shop".orders', 'VACUUM FULL'],
    silent: ['VACUUM users', 'VACUUM (FULL off) users'],
  },
};
