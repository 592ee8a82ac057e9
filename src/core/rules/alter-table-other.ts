import type { AlterTableType } from 'libpg-query';
import { alterTable } from './support/alter.js';
import { commandsFor, subcommandLock } from './support/alter-commands.js';
import type { Rule } from './rule.js';

/** What each sub-command is called, and what the author should still check. */
const DESCRIPTIONS: Partial<Record<AlterTableType, [string, string?]>> = {
  AT_SetStatistics: ['SET STATISTICS', 'It changes what ANALYZE samples.'],
  AT_SetOptions: ['ALTER COLUMN SET (…)', 'It changes planner estimates for the column.'],
  AT_ResetOptions: ['ALTER COLUMN RESET (…)', 'It restores planner estimates for the column.'],
  AT_SetStorage: ['SET STORAGE', 'It applies to values written from now on.'],
  AT_SetCompression: ['SET COMPRESSION', 'It applies to values written from now on.'],
  AT_ChangeOwner: ['OWNER TO', 'Check that the app role keeps its privileges.'],
  AT_ClusterOn: ['CLUSTER ON', 'It only records the index a later CLUSTER uses.'],
  AT_DropCluster: ['SET WITHOUT CLUSTER'],
  AT_SetRelOptions: ['SET (storage parameter)', 'It applies to future writes and vacuums.'],
  AT_ResetRelOptions: ['RESET (storage parameter)', 'It applies to future writes and vacuums.'],
  AT_EnableTrig: ['ENABLE TRIGGER'],
  AT_EnableAlwaysTrig: ['ENABLE ALWAYS TRIGGER'],
  AT_EnableReplicaTrig: ['ENABLE REPLICA TRIGGER'],
  AT_DisableTrig: ['DISABLE TRIGGER', 'Check the old code does not rely on the trigger (audit rows, derived columns).'],
  AT_EnableTrigAll: ['ENABLE TRIGGER ALL'],
  AT_DisableTrigAll: ['DISABLE TRIGGER ALL', 'This also stops foreign-key enforcement until it is enabled again.'],
  AT_EnableTrigUser: ['ENABLE TRIGGER USER'],
  AT_DisableTrigUser: ['DISABLE TRIGGER USER', 'Check the old code does not rely on these triggers.'],
  AT_ReplicaIdentity: ['REPLICA IDENTITY', 'It changes what logical replication records for updates and deletes.'],
  AT_EnableRowSecurity: [
    'ENABLE ROW LEVEL SECURITY',
    'Without a policy, roles other than the owner see no rows: create the policies first.',
  ],
  AT_DisableRowSecurity: ['DISABLE ROW LEVEL SECURITY', "The table's policies stop applying."],
  AT_ForceRowSecurity: [
    'FORCE ROW LEVEL SECURITY',
    'Policies now apply to the owner too: check the app does not connect as the owner without a policy.',
  ],
  AT_NoForceRowSecurity: ['NO FORCE ROW LEVEL SECURITY', 'The owner is exempt from policies again.'],
  AT_AlterConstraint: [
    'ALTER CONSTRAINT (DEFERRABLE / INITIALLY …)',
    'A constraint made INITIALLY DEFERRED is checked at COMMIT: a violating write then fails at COMMIT instead of at its statement.',
  ],
};

const LOCK_WORDS: Record<string, string> = {
  ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE (blocks no app query)',
  ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE for an instant (writes wait that long)',
  AccessExclusiveLock: 'ACCESS EXCLUSIVE for an instant',
};

/**
 * Sub-commands that only edit the catalog: no rewrite, no scan, a short lock, and nothing the
 * old code's queries depend on. Locks measured with pg_locks on PostgreSQL 15: SET STATISTICS,
 * column SET/RESET (…), CLUSTER ON, SET WITHOUT CLUSTER and storage parameters take SHARE UPDATE
 * EXCLUSIVE (user_catalog_table takes ACCESS EXCLUSIVE); ENABLE/DISABLE TRIGGER take SHARE ROW
 * EXCLUSIVE; SET STORAGE, SET COMPRESSION, OWNER TO, REPLICA IDENTITY and the ROW LEVEL SECURITY
 * switches take ACCESS EXCLUSIVE, and so does ALTER CONSTRAINT … [NOT] DEFERRABLE / INITIALLY
 * DEFERRED|IMMEDIATE (a foreign key's deferrability: pg_constraint only, no validation). All
 * `pre`; where the change alters behaviour (disabled
 * triggers, row security) the message says what to check.
 */
export const alterTableOther: Rule = {
  id: 'alter-table-other',
  summary: 'Catalog-only ALTER TABLE settings (triggers, statistics, storage, owner, row security…)',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => {
      const lock = subcommandLock(cmd);
      const [what, note] = (cmd.subtype ? DESCRIPTIONS[cmd.subtype] : undefined) ?? [String(cmd.subtype)];
      return {
        rule: this.id,
        phase: 'pre' as const,
        lock,
        relation: alter.table,
        message: `${what} on ${alter.table}: catalog-only, no rewrite or scan; ${LOCK_WORDS[lock] ?? lock}.${note ? ` ${note}` : ''}`,
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users DISABLE TRIGGER users_audit',
      'ALTER TABLE ONLY "App"."Users" ALTER COLUMN email SET STATISTICS 500, SET (fillfactor = 70)',
      'ALTER TABLE IF EXISTS users OWNER TO app_owner',
      'ALTER TABLE users REPLICA IDENTITY FULL',
      'ALTER TABLE users ENABLE ROW LEVEL SECURITY',
      'ALTER TABLE users CLUSTER ON users_pkey',
      'ALTER TABLE users ALTER COLUMN bio SET STORAGE EXTERNAL, ALTER COLUMN bio SET COMPRESSION lz4',
      'ALTER TABLE users RESET (autovacuum_vacuum_scale_factor)',
      'ALTER TABLE orders ALTER CONSTRAINT orders_user_fk DEFERRABLE INITIALLY DEFERRED',
    ],
    silent: ['ALTER TABLE users ADD COLUMN email text', 'ALTER TABLE users INHERIT people'],
  },
};
