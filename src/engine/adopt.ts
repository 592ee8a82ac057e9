/**
 * `deployctl adopt`: records the migrations another tool (or a person) already applied to a
 * database, without running them, so that the next plan shows only what is really pending.
 *
 * Which files: those the other tool's own table records (`--from <tool>`), or every file up to
 * and including one id (`--through <id>`, for a database with no ledger). Before anything is
 * recorded the catalog is checked: every table, column, index, view, sequence, type and schema
 * the adopted files leave behind must exist, and no object a later (not adopted) file creates
 * may exist yet — that file would be partly applied. Either failure names file:line and refuses
 * unless `force`. The rows (phase `baseline`, the file's checksum) and the schema fingerprint
 * are written in one transaction; files already in the ledger are left alone, so a second run
 * changes nothing.
 */
import type { Clock } from '../ports.js';
import type { Config } from '../config/config.js';
import { DeployctlError } from '../errors.js';
import { withLock } from '../adapters/ledger/lock.js';
import { LedgerStore } from '../adapters/ledger/store.js';
import { connect } from '../adapters/postgres/connect.js';
import { existingObjects } from '../adapters/postgres/objects.js';
import { readSchemaShape } from '../adapters/postgres/shape.js';
import { saveFingerprint } from '../adapters/ledger/fingerprint-store.js';
import { fingerprintOf } from '../core/schema/hash.js';
import { CreatedObjects, type CreatedObject } from '../core/schema/created-objects.js';
import { parseSql } from '../core/sql/parse.js';
import type { MigrationFile } from '../core/migration.js';
import { OTHER_LEDGERS } from '../adapters/sources/tools/read.js';
import { LEDGER_TOOLS, SOURCE_TOOLS, type LedgerTool, type ToolLedgerReader } from '../adapters/sources/tools/tool.js';
import { readSources, type SourceRead } from './snapshot.js';
import type { Db } from '../ports.js';

export interface AdoptOptions {
  /** Read what is applied from this tool's own table. */
  from?: LedgerTool;
  /** Or: every file up to and including this id is applied. */
  through?: string;
  /** The source (app label) to adopt; needed when the config has several that fit. */
  app?: string;
  dryRun?: boolean;
  /** Record even though objects are missing or a later file looks partly applied. */
  force?: boolean;
  lockWaitMs?: number;
}

export interface AdoptResult {
  app: string;
  /** Where the list of applied files came from, for the user: `_prisma_migrations`, `--through 0003`. */
  basis: string;
  /** Files recorded (or, with dryRun, that would be), in order. */
  adopted: { id: string; file: string; checksum: string }[];
  /** Files the ledger already records (left as they are). */
  alreadyRecorded: string[];
  /** Objects the adopted files create that the database lacks. */
  missing: CreatedObject[];
  /** Objects of files not adopted that exist already. */
  partial: CreatedObject[];
  /** The schema fingerprint recorded with the rows (none on a dry run or when nothing was recorded). */
  fingerprint?: string;
  dryRun: boolean;
}

export async function adoptCommand(
  config: Config,
  options: AdoptOptions,
  deps: { clock: Clock },
): Promise<AdoptResult> {
  if ((options.from === undefined) === (options.through === undefined))
    throw new DeployctlError('USAGE', 'adopt needs exactly one of --from <tool> or --through <id>', {
      hint: 'e.g. deployctl adopt --from prisma, or deployctl adopt --through 0007_add_orders',
    });
  if (options.from !== undefined && !(LEDGER_TOOLS as readonly string[]).includes(options.from))
    throw new DeployctlError('USAGE', `--from takes one of ${LEDGER_TOOLS.join(', ')}; got '${options.from}'`);
  if (!config.databaseUrl)
    throw new DeployctlError('CONFIG_INVALID', 'adopt needs a database: set database.url or pass --database-url', {
      key: 'database.url',
    });
  const sources = await readSources(config);
  const source = pickSource(config, sources, options);
  const run = async (db: Db): Promise<AdoptResult> => {
    const ledger = new LedgerStore(db, config.schema);
    const { ids, basis } = await appliedIds(db, source, options);
    const order = source.files;
    const adoptedFiles = order.filter((f) => ids.has(f.id));
    const later = order.filter((f) => !ids.has(f.id));
    const { missing, partial } = await verify(db, adoptedFiles, later);
    if ((missing.length || partial.length) && !options.force) throw unverified(source.app, missing, partial);
    const recorded = new Set((await ledger.applied()).filter((a) => a.app === source.app).map((a) => a.id));
    const toRecord = adoptedFiles.filter((f) => !recorded.has(f.id));
    const result: AdoptResult = {
      app: source.app,
      basis,
      adopted: toRecord.map((f) => ({ id: f.id, file: f.file, checksum: f.checksum })),
      alreadyRecorded: adoptedFiles.filter((f) => recorded.has(f.id)).map((f) => f.id),
      missing,
      partial,
      dryRun: options.dryRun ?? false,
    };
    if (options.dryRun || toRecord.length === 0) return result;
    await ledger.upgrade();
    await db.query('BEGIN');
    try {
      for (const f of toRecord)
        await ledger.recordApplied(db, {
          app: source.app,
          id: f.id,
          checksum: f.checksum,
          phase: 'baseline',
          durationMs: 0,
          releaseId: null,
          attempts: 1,
        });
      const shape = await readSchemaShape(db, { excludeSchemas: [ledger.schema] });
      result.fingerprint = fingerprintOf(shape).schema;
      await saveFingerprint(ledger, { reason: 'accepted', releaseId: null, hash: result.fingerprint, shape });
      await db.query('COMMIT');
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return result;
  };
  if (options.dryRun) {
    const db = await connect(config.databaseUrl);
    try {
      return await run(db);
    } finally {
      await db.end();
    }
  }
  return withLock(
    config.databaseUrl,
    { waitMs: options.lockWaitMs ?? 0, clock: deps.clock, purpose: 'adopt' },
    (lock) => run(lock.db),
  );
}

function pickSource(config: Config, sources: SourceRead[], options: AdoptOptions): SourceRead {
  const typeOf = new Map(config.sources.map((s) => [s.app, s.type]));
  if (options.app !== undefined) {
    const s = sources.find((x) => x.app === options.app);
    if (!s)
      throw new DeployctlError(
        'USAGE',
        `--app ${options.app}: no such source; configured: ${sources.map((x) => x.app).join(', ')}`,
      );
    return s;
  }
  const fits = sources.filter((s) => {
    const type = typeOf.get(s.app);
    if (options.from === undefined) return true;
    if ((SOURCE_TOOLS as readonly string[]).includes(options.from)) return type === options.from;
    return type === 'sql';
  });
  if (fits.length === 1) return fits[0]!;
  throw new DeployctlError(
    'USAGE',
    fits.length === 0
      ? `no configured source fits${options.from ? ` --from ${options.from}` : ''}; sources: ${sources.map((s) => `${s.app} (${typeOf.get(s.app)})`).join(', ')}`
      : `several sources fit (${fits.map((s) => s.app).join(', ')}); name one with --app <label>`,
  );
}

async function appliedIds(
  db: Db,
  source: SourceRead,
  options: AdoptOptions,
): Promise<{ ids: Set<string>; basis: string }> {
  if (options.through !== undefined) {
    const at = source.files.findIndex((f) => f.id === options.through);
    if (at === -1)
      throw new DeployctlError(
        'USAGE',
        `--through ${options.through}: app '${source.app}' has no such migration; its ids run ${source.files[0]?.id ?? '(none)'} … ${source.files.at(-1)?.id ?? ''}`,
      );
    return { ids: new Set(source.files.slice(0, at + 1).map((f) => f.id)), basis: `--through ${options.through}` };
  }
  const tool = options.from!;
  const reader: ToolLedgerReader | undefined = source.ledger?.tool === tool ? source.ledger : OTHER_LEDGERS[tool];
  if (!reader)
    throw new DeployctlError(
      'USAGE',
      `--from ${tool}: app '${source.app}' is not a ${tool} source; set type: ${tool} on it in deployctl.yaml`,
    );
  if (source.files.some((f) => f.framework))
    throw new DeployctlError(
      'USAGE',
      `app '${source.app}' is a Django source: deployctl reads django_migrations itself`,
    );
  return { ids: await reader.applied(db, source.files), basis: reader.table };
}

/** Objects the adopted files leave that are missing; objects of the other files that already exist. */
async function verify(
  db: Db,
  adopted: MigrationFile[],
  later: MigrationFile[],
): Promise<{ missing: CreatedObject[]; partial: CreatedObject[] }> {
  const net = new CreatedObjects();
  for (const f of adopted) net.add(parseSql(f.up, f.file).statements, f.file);
  const expected = net.objects();
  const present = new Set((await existingObjects(db, expected)).map((o) => `${o.kind}:${o.name}`));
  const missing = expected.filter((o) => !present.has(`${o.kind}:${o.name}`));
  const expectedNames = new Set(expected.map((o) => `${o.kind}:${o.name}`));
  const laterObjects = later.flatMap((f) =>
    new CreatedObjects()
      .add(parseSql(f.up, f.file).statements, f.file)
      .filter((o) => !expectedNames.has(`${o.kind}:${o.name}`)),
  );
  const partial = await existingObjects(db, laterObjects);
  return { missing, partial };
}

function unverified(app: string, missing: CreatedObject[], partial: CreatedObject[]): DeployctlError {
  const lines = [
    ...missing.map((o) => `  ${o.file}:${o.line}: ${o.noun} ${o.name} does not exist`),
    ...partial.map(
      (o) =>
        `  ${o.file}:${o.line}: ${o.noun} ${o.name} already exists, but this file is not adopted (partly applied?)`,
    ),
  ];
  return new DeployctlError(
    'ADOPT_UNVERIFIED',
    `the database does not match what app '${app}' would record as applied; nothing was recorded:\n${lines.join('\n')}\n` +
      'Apply what is missing (or adopt through an earlier id), then run adopt again; --force records anyway.',
    { file: (missing[0] ?? partial[0])?.file, line: (missing[0] ?? partial[0])?.line },
  );
}
