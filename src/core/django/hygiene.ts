/**
 * Schema hygiene of a Django project's models, for `deployctl check`: a team that owns its schema
 * names its tables, declares its join tables and does not hide relations behind content types.
 *
 * - implicit-table-name: a model without Meta.db_table lives in `<app_label>_<model>`, a name
 *   Django derives from code. Renaming the app or the class renames the table (AlterModelTable),
 *   under every warehouse query, view, trigger and other service that reads it by name.
 * - implicit-m2m-table: a ManyToManyField without through= gets a join table no model declares
 *   (`catalog_book_tags`): its name, columns and constraints exist only in Django's head, and
 *   adding a column to it later means first adopting it as a model.
 * - generic-foreign-key: a GenericForeignKey is two plain columns (content type id, object id):
 *   no FOREIGN KEY, so no integrity and no ON DELETE; no join the planner can use; and every row
 *   depends on django_content_type, whose (app_label, model) rows stop matching when an app or a
 *   model is renamed.
 *
 * Each is `warn` by default: they are debts a team pays off model by model, not mistakes that
 * break a release. `stale-schema-hash` (see schema-hash.ts) is `error`: a stale module makes a
 * release read cache entries written in the previous schema. deployctl.yaml sets any of them per
 * django source (`djangoChecks: { implicit-table-name: error }`; `off` silences one).
 *
 * Pure: the models as the model helper read them in, findings out.
 */

export const DJANGO_CHECK_IDS = [
  'implicit-table-name',
  'implicit-m2m-table',
  'generic-foreign-key',
  'stale-schema-hash',
] as const;
export type DjangoCheckId = (typeof DJANGO_CHECK_IDS)[number];

export type DjangoCheckLevel = 'error' | 'warn' | 'off';

export const DJANGO_CHECK_DEFAULTS: Record<DjangoCheckId, DjangoCheckLevel> = {
  'implicit-table-name': 'warn',
  'implicit-m2m-table': 'warn',
  'generic-foreign-key': 'warn',
  'stale-schema-hash': 'error',
};

/** What the checks need of a model (the model helper's document has more). */
export interface ModelFacts {
  label: string;
  own: boolean;
  file: string | null;
  line: number | null;
  table: string;
  explicitTable: boolean;
  m2m: {
    field: string;
    table: string;
    through: string | null;
    target: string;
    columns: [string, string];
    fieldNames: [string, string];
    file: string | null;
    line: number | null;
  }[];
  gfks: { field: string; ctField: string; fkField: string; file: string | null; line: number | null }[];
}

export interface DjangoFinding {
  check: DjangoCheckId;
  /** `app.Model`, or `app.Model.field` for a field's finding. */
  subject: string;
  /** The model's .py file; the field's line for a field, the `class` line for the table name. */
  file: string | null;
  line: number | null;
  message: string;
  fix: string;
}

/**
 * The hygiene findings of `models`: the project's own only, unless `includeThirdParty` (then
 * django.contrib's and installed packages' too — useful to see, rarely yours to fix).
 */
export function hygieneFindings(models: ModelFacts[], options: { includeThirdParty?: boolean } = {}): DjangoFinding[] {
  const out: DjangoFinding[] = [];
  for (const m of models) {
    if (!m.own && !options.includeThirdParty) continue;
    if (!m.explicitTable) out.push(implicitTableName(m));
    for (const f of m.m2m) if (f.through === null) out.push(implicitM2mTable(m, f));
    for (const g of m.gfks) out.push(genericForeignKey(m, g));
  }
  return out;
}

function implicitTableName(m: ModelFacts): DjangoFinding {
  const name = m.label.split('.')[1]!;
  return {
    check: 'implicit-table-name',
    subject: m.label,
    file: m.file,
    line: m.line,
    message:
      `${m.label} has no Meta.db_table: its table "${m.table}" is the name Django generates from the app label and the class name, ` +
      `so renaming either renames the table under every query, view and service that reads it by name.`,
    fix:
      `Name the table it already has: in class ${name}, class Meta: db_table = "${m.table}". makemigrations then writes an AlterModelTable ` +
      `from "${m.table}" to "${m.table}", which runs no SQL (it changes Django's state only): safe in any release. ` +
      `To give it another name, do not let AlterModelTable rename it in one step: that is ALTER TABLE … RENAME TO, and the old code, still serving during the rollout, queries the old name. ` +
      `Expand, then contract: one release renames the table and creates a view under the old name in the same migration ` +
      `(SeparateDatabaseAndState: database_operations=[RunSQL('ALTER TABLE "${m.table}" RENAME TO "<new>"; CREATE VIEW "${m.table}" AS SELECT * FROM "<new>"')], ` +
      `state_operations=[AlterModelTable]), so old and new code both work; the next release, when no old code runs, drops the view.`,
  };
}

function implicitM2mTable(m: ModelFacts, f: ModelFacts['m2m'][number]): DjangoFinding {
  const name = m.label.split('.')[1]!;
  const through = `${name}${f.field
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}`;
  const [from, to] = f.fieldNames;
  return {
    check: 'implicit-m2m-table',
    subject: `${m.label}.${f.field}`,
    file: f.file,
    line: f.line,
    message:
      `${m.label}.${f.field} is a ManyToManyField without through=: Django creates its join table "${f.table}" ` +
      `(columns ${f.columns.join(', ')}) with no model in the code, so nothing declares that table's name, columns or constraints.`,
    fix:
      `Declare the table it already has and adopt it without SQL: class ${through}(models.Model): ` +
      `${from} = models.ForeignKey("${m.label}", on_delete=models.CASCADE); ${to} = models.ForeignKey("${f.target}", on_delete=models.CASCADE); ` +
      `class Meta: db_table = "${f.table}"; unique_together = [("${from}", "${to}")]. ` +
      `Then ${f.field} = models.ManyToManyField("${f.target}", through="${through}"), and put the CreateModel and AlterField makemigrations writes ` +
      `into SeparateDatabaseAndState(state_operations=[…]) with no database_operations: the table exists, nothing runs.`,
  };
}

function genericForeignKey(m: ModelFacts, g: ModelFacts['gfks'][number]): DjangoFinding {
  return {
    check: 'generic-foreign-key',
    subject: `${m.label}.${g.field}`,
    file: g.file,
    line: g.line,
    message:
      `${m.label}.${g.field} is a GenericForeignKey (${g.ctField} + ${g.fkField}): the database cannot join it, check that the row it names exists ` +
      `or cascade a delete to it, and every row depends on django_content_type, whose (app_label, model) rows stop matching when an app or a model is renamed.`,
    fix:
      `Point at each kind of target with its own nullable ForeignKey and a CHECK that exactly one is set; ` +
      `or keep two columns with an explicit type column (a CharField with choices you name, e.g. "book", "author" — not a content type id) beside the id; ` +
      `or give each kind of target its own table (e.g. one comment table per commented model).`,
  };
}
