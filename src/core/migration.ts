/**
 * A migration as the planner sees it: plain data read by a source adapter (adapters/sources/),
 * whatever the source's format.
 */
import { createHash } from 'node:crypto';
import { DOWN_MARKER } from './sql/directives.js';

export interface MigrationFile {
  app: string;
  /** `<id>_<name>` without `.sql` (`0003_drop_legacy`): what the ledger and the plan call it. */
  id: string;
  /** The part before the first underscore (`0003`, `20240101120000`): two files may not share it. */
  prefix: string;
  /** Path as shown to the user (relative to the working directory when possible). */
  file: string;
  text: string;
  /** sha256 of the file's bytes; an applied file whose checksum changes is tampering. */
  checksum: string;
  /** The SQL that runs forward: everything before `-- deployctl:down`. */
  up: string;
  /** The down section and the file line it starts on, when present. */
  down?: { sql: string; firstLine: number };
  /** Set when a framework orders and applies the migration itself rather than deployctl running `up`. */
  framework?: FrameworkMigration;
  /** What the classifier cannot judge from `up` (a RunPython operation…), shown with the plan. */
  notes?: string[];
  /**
   * When `up` is generated from the file rather than being its text (a Django migration's SQL):
   * the file's line for each line of `up` (index 0 is `up`'s line 1), so findings name the line
   * of the file that declares the statement.
   */
  sourceLines?: number[];
}

/**
 * A migration a framework owns (Django): `up` is the SQL it would run (each operation's, in order,
 * with `sourceLines` pointing at the operation in the .py file), but the framework's own tool applies it (through the source's MigrationApplier, ports.ts), orders it by its dependency
 * graph and records it in its own table.
 */
export interface FrameworkMigration {
  kind: 'django';
  /** The framework's names for it (`shop`, `0002_product_sku`). */
  app: string;
  name: string;
  /** `<app>.<name>` of the migrations the framework applies before this one. */
  dependencies: string[];
  /** Whether the framework's own table records it as applied. */
  appliedByFramework: boolean;
  /** The framework's version (`3.2.25`), for fixes that depend on it (Django 5 added db_default). */
  version?: string;
}

/**
 * `bytes` are the file as read (the checksum is taken over them); without them, over `text` as
 * UTF-8, which is the same for a file that is valid UTF-8.
 */
export function migrationFromText(
  app: string,
  id: string,
  prefix: string,
  file: string,
  text: string,
  bytes?: Uint8Array,
): MigrationFile {
  const hash = createHash('sha256');
  const checksum = (bytes ? hash.update(bytes) : hash.update(text, 'utf8')).digest('hex');
  const split = splitDown(text);
  return { app, id, prefix, file, text, checksum, ...split };
}

/** Splits at a line that is exactly `-- deployctl:down`. */
function splitDown(text: string): { up: string; down?: { sql: string; firstLine: number } } {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() === DOWN_MARKER);
  if (at === -1) return { up: text };
  return {
    up: lines.slice(0, at).join('\n'),
    down: { sql: lines.slice(at + 1).join('\n'), firstLine: at + 2 },
  };
}
