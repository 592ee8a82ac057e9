import { as, qualifiedName } from '../sql/ast.js';
import { optionEnabled } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

/**
 * Plain VACUUM and ANALYZE take SHARE UPDATE EXCLUSIVE (sampled from a second session on
 * PostgreSQL 15), which app reads and writes never wait for; they read the table (ANALYZE a
 * sample) and rewrite nothing. VACUUM cannot run inside a transaction. VACUUM FULL is a
 * different statement in effect: see vacuum-full.
 */
export const analyzeVacuum: Rule = {
  id: 'analyze-vacuum',
  summary: 'VACUUM / ANALYZE (not FULL): SHARE UPDATE EXCLUSIVE, app queries continue',
  kinds: ['VacuumStmt'],
  check(s) {
    const vac = as(s.node, 'VacuumStmt');
    if (!vac || optionEnabled(vac.options, 'full')) return [];
    const verb = vac.is_vacuumcmd ? 'VACUUM' : 'ANALYZE';
    const tables = (vac.rels ?? [])
      .map((r) => qualifiedName(as(r, 'VacuumRelation')?.relation))
      .filter((t) => t !== '');
    const finding = (relation?: string): Finding => ({
      rule: this.id,
      phase: 'pre',
      lock: 'ShareUpdateExclusiveLock',
      scan: true,
      ...(relation ? { relation } : {}),
      message: `${verb} ${relation ?? '(every table)'}: SHARE UPDATE EXCLUSIVE, which app reads and writes never wait for.`,
    });
    return tables.length === 0 ? [finding()] : tables.map(finding);
  },
  examples: {
    fires: [
      'VACUUM users',
      'ANALYZE "Shop".orders, users',
      'VACUUM (ANALYZE, VERBOSE) users',
      'VACUUM (FULL false) users',
      'ANALYZE',
    ],
    silent: ['VACUUM FULL users', 'VACUUM (FULL, ANALYZE) users'],
  },
};
