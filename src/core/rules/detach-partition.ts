import { as, qualifiedName } from '../sql/ast.js';
import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import type { Rule } from './rule.js';

/**
 * DETACH PARTITION removes a partition's rows from the parent: the old code, which reads and
 * writes them through the parent, no longer sees them (and its INSERTs for that range fail with
 * "no partition of relation found for row"). That is a contract step, `post`. Plain DETACH takes
 * ACCESS EXCLUSIVE on the parent and the partition (pg_locks on PostgreSQL 15) for an instant, no
 * scan. `DETACH … CONCURRENTLY` (PostgreSQL 14+) takes SHARE UPDATE EXCLUSIVE and commits between
 * its two phases, so PostgreSQL refuses it inside a transaction block: its migration runs without
 * one. `DETACH … FINALIZE` completes an interrupted concurrent detach (SHARE UPDATE EXCLUSIVE).
 */
export const detachPartition: Rule = {
  id: 'detach-partition',
  summary: 'DETACH PARTITION [CONCURRENTLY | FINALIZE]: the old code loses the rows: post',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => {
      const part = as(cmd.def, 'PartitionCmd');
      const name = qualifiedName(part?.name);
      const concurrent = part?.concurrent === true;
      const finalize = cmd.subtype === 'AT_DetachPartitionFinalize';
      const how = finalize
        ? 'DETACH … FINALIZE completes a concurrent detach; SHARE UPDATE EXCLUSIVE (blocks no app query)'
        : concurrent
          ? 'CONCURRENTLY takes SHARE UPDATE EXCLUSIVE (blocks no app query) and runs outside a transaction'
          : 'ACCESS EXCLUSIVE on both tables for an instant, no scan';
      return {
        rule: this.id,
        phase: 'post' as const,
        lock: finalize || concurrent ? ('ShareUpdateExclusiveLock' as const) : ('AccessExclusiveLock' as const),
        relation: alter.table,
        message: `DETACH PARTITION ${name} from ${alter.table}: the old code reads and writes those rows through ${alter.table} and would stop seeing them, so it runs after the rollout. ${how}.`,
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE measurements DETACH PARTITION measurements_2023',
      'ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY',
      'ALTER TABLE measurements DETACH PARTITION measurements_2023 FINALIZE',
    ],
    silent: ['ALTER TABLE measurements ADD COLUMN note text'],
  },
};
