/**
 * The one place rules are registered. A test asserts every file in this folder is listed here
 * with a unique kebab-case id equal to its file name.
 */
import type { Rule } from './rule.js';
import { addColumn } from './add-column.js';
import { addColumnVolatileDefault } from './add-column-volatile-default.js';
import { addColumnNotNull } from './add-column-not-null.js';
import { addColumnGenerated } from './add-column-generated.js';
import { alterColumnType } from './alter-column-type.js';
import { setNotNull } from './set-not-null.js';
import { dropNotNull } from './drop-not-null.js';
import { alterColumnDefault } from './alter-column-default.js';
import { addForeignKey } from './add-foreign-key.js';
import { addCheckConstraint } from './add-check-constraint.js';
import { addUniqueConstraint } from './add-unique-constraint.js';
import { addConstraintUsingIndex } from './add-constraint-using-index.js';
import { validateConstraint } from './validate-constraint.js';
import { dropColumn } from './drop-column.js';
import { dropRequiredColumn } from './drop-required-column.js';
import { dropConstraint } from './drop-constraint.js';
import { renameColumn } from './rename-column.js';
import { renameTable } from './rename-table.js';
import { renameObject } from './rename-object.js';
import { setLoggedUnlogged } from './set-logged-unlogged.js';
import { setTablespace } from './set-tablespace.js';
import { detachPartition } from './detach-partition.js';
import { alterTableOther } from './alter-table-other.js';
import { unrecognizedAlterCommand } from './unrecognized-alter-command.js';
import { identityColumn } from './identity-column.js';
import { createStatistics } from './create-statistics.js';
import { alterDomain } from './alter-domain.js';
import { createTable } from './create-table.js';
import { alterEnumAddValue } from './alter-enum-add-value.js';
import { alterEnumRenameValue } from './alter-enum-rename-value.js';
import { alterFunction } from './alter-function.js';
import { alterSequence } from './alter-sequence.js';
import { analyzeVacuum } from './analyze-vacuum.js';
import { cluster } from './cluster.js';
import { comment } from './comment.js';
import { concurrentlyInTransaction } from './concurrently-in-transaction.js';
import { createExtension } from './create-extension.js';
import { createFunction } from './create-function.js';
import { createIndexBlocking } from './create-index-blocking.js';
import { createIndexConcurrently } from './create-index-concurrently.js';
import { createPolicy } from './create-policy.js';
import { createSchema } from './create-schema.js';
import { createSequence } from './create-sequence.js';
import { createTrigger } from './create-trigger.js';
import { createType } from './create-type.js';
import { createView } from './create-view.js';
import { doBlock } from './do-block.js';
import { dropExtension } from './drop-extension.js';
import { dropFunction } from './drop-function.js';
import { dropIndex } from './drop-index.js';
import { dropMaterializedView } from './drop-materialized-view.js';
import { dropPolicy } from './drop-policy.js';
import { dropSchema } from './drop-schema.js';
import { dropSequence } from './drop-sequence.js';
import { dropTable } from './drop-table.js';
import { dropTrigger } from './drop-trigger.js';
import { dropType } from './drop-type.js';
import { dropView } from './drop-view.js';
import { grantRevoke } from './grant-revoke.js';
import { insertRows } from './insert-rows.js';
import { lockTable } from './lock-table.js';
import { refreshMaterializedView } from './refresh-materialized-view.js';
import { reindexBlocking } from './reindex-blocking.js';
import { reindexConcurrently } from './reindex-concurrently.js';
import { selectStatement } from './select-statement.js';
import { slowUnderHeldLock } from './slow-under-held-lock.js';
import { truncate } from './truncate.js';
import { unbatchedBackfill } from './unbatched-backfill.js';
import { updateBatched } from './update-batched.js';
import { vacuumFull } from './vacuum-full.js';
import { sessionStatement } from './session-statement.js';
import { disableLockTimeout } from './disable-lock-timeout.js';
import { unrecognizedStatement } from './unrecognized-statement.js';

export const RULES: readonly Rule[] = [
  sessionStatement,
  disableLockTimeout,
  createTable,
  alterEnumAddValue,
  alterEnumRenameValue,
  alterFunction,
  alterSequence,
  analyzeVacuum,
  cluster,
  comment,
  concurrentlyInTransaction,
  createExtension,
  createFunction,
  createIndexBlocking,
  createIndexConcurrently,
  createPolicy,
  createSchema,
  createSequence,
  createTrigger,
  createType,
  createView,
  doBlock,
  dropExtension,
  dropFunction,
  dropIndex,
  dropMaterializedView,
  dropPolicy,
  dropSchema,
  dropSequence,
  dropTable,
  dropTrigger,
  dropType,
  dropView,
  grantRevoke,
  insertRows,
  lockTable,
  refreshMaterializedView,
  reindexBlocking,
  reindexConcurrently,
  selectStatement,
  truncate,
  unbatchedBackfill,
  slowUnderHeldLock,
  updateBatched,
  vacuumFull,
  addColumn,
  addColumnVolatileDefault,
  addColumnNotNull,
  addColumnGenerated,
  alterColumnType,
  setNotNull,
  dropNotNull,
  alterColumnDefault,
  addForeignKey,
  addCheckConstraint,
  addUniqueConstraint,
  addConstraintUsingIndex,
  validateConstraint,
  dropColumn,
  dropRequiredColumn,
  dropConstraint,
  renameColumn,
  renameTable,
  renameObject,
  setLoggedUnlogged,
  setTablespace,
  detachPartition,
  alterTableOther,
  identityColumn,
  createStatistics,
  alterDomain,
  unrecognizedAlterCommand,
];

/** Applied only when no rule in RULES has anything to say about a statement. */
export const UNRECOGNIZED: Rule = unrecognizedStatement;
