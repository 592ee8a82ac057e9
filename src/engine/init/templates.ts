/** The files `deployctl init` writes: a commented deployctl.yaml and two GitHub workflows. */
import type { Detected } from './detect.js';

/**
 * The first line of the written deployctl.yaml: editors with the YAML language server (VS Code's
 * YAML extension, JetBrains, Neovim) complete and check keys against the installed package's schema.
 */
export const SCHEMA_LINE = '# yaml-language-server: $schema=./node_modules/deployctl/deployctl.schema.json';

/** deployctl.yaml for the detected sources; every other setting is shown commented with its default. */
export function configText(sources: Detected[]): string {
  const labels = uniqueLabels(sources);
  const entries = sources.length
    ? sources.flatMap((s, i) => [
        `  # found: ${s.evidence}`,
        `  - app: ${labels[i]}`,
        ...(s.type === 'sql' ? [] : [`    type: ${s.type}`]),
        s.type === 'django' ? `    manage: ${s.path}` : `    dir: ${s.path}`,
        ...(s.type === 'django'
          ? [
              '    # python: .venv/bin/python     # the interpreter that has Django (default: python3)',
              "    # settings: mysite.settings    # DJANGO_SETTINGS_MODULE (default: manage.py's)",
            ]
          : []),
      ])
    : ['  # nothing detected: point dir at the folder of your .sql migrations', '  - app: app', '    dir: migrations'];
  return [
    SCHEMA_LINE,
    '# deployctl configuration, written by `deployctl init`. Every key is described in the README.',
    '',
    '# The database comes from DATABASE_URL (or --database-url, which wins). To read another variable:',
    '# database:',
    '#   urlEnv: PRODUCTION_DATABASE_URL',
    '',
    '# Where the migrations are. `app` labels them in the ledger: keep it once you have released.',
    'migrations:',
    ...entries,
    '',
    '# How long one statement may wait for its lock before it is retried (milliseconds).',
    '# lockTimeoutMs: 2000',
    '# The PostgreSQL major version a plan without a database classifies for.',
    '# pgVersion: 15',
    '',
    '# How `deployctl release` rolls the new version out: a command, the local blue-green driver, or Pulumi.',
    '# It runs with DEPLOYCTL_ARTIFACT set to the --artifact value.',
    '# rollout:',
    '#   driver: command',
    '#   deploy: ./deploy.sh "$DEPLOYCTL_ARTIFACT"',
    '#   # prints the artifact serving now; before the first release, failing or printing nothing means nothing is deployed',
    '#   current: cat .deployed-version',
    '',
    '# What must hold after the rollout; a failure rolls the code back (exit 3).',
    '# health:',
    '#   checks:',
    '#     - http: { url: https://example.com/healthz }',
    '#     - sql: select count(*) > 0 from users',
    '',
  ].join('\n');
}

/** Pull requests: the gate, and the plan as one comment that each push updates. */
export function pullRequestWorkflow(): string {
  return `# Written by \`deployctl init --ci github\`: the migration gate for every pull request.
name: deployctl check
on:
  pull_request:
permissions:
  contents: read
  pull-requests: write
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      # Manifest, conflicting ids, order, and the plan; problems become annotations on the diff.
      - run: npx deployctl check --format github
      - name: Plan as a pull-request comment
        if: always()
        env:
          GH_TOKEN: \${{ github.token }}
          PR: \${{ github.event.pull_request.number }}
        run: |
          npx deployctl plan --format markdown > plan.md || true
          id=$(gh api "repos/\${{ github.repository }}/issues/$PR/comments" --paginate \\
            --jq '.[] | select(.body | startswith("<!-- deployctl-plan -->")) | .id' | head -1)
          if [ -n "$id" ]; then
            gh api -X PATCH "repos/\${{ github.repository }}/issues/comments/$id" -F body=@plan.md
          else
            gh pr comment "$PR" --body-file plan.md
          fi
`;
}

/** The default branch: a staged release of the pushed commit. */
export function deployWorkflow(): string {
  return `# Written by \`deployctl init --ci github\`: releases every push to the default branch.
# Set the DATABASE_URL secret, and rollout: in deployctl.yaml.
name: deployctl release
on:
  push:
    branches: [main]
concurrency:
  group: deployctl-release
  cancel-in-progress: false
jobs:
  release:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      # Exit 3: health failed after the rollout and the code was rolled back; 4: another release holds the lock.
      - run: npx deployctl release --artifact "\${{ github.sha }}"
        env:
          DATABASE_URL: \${{ secrets.DATABASE_URL }}
`;
}

/** One `app:` label per source: the project's name, then the folder that tells sources apart. */
function uniqueLabels(sources: Detected[]): string[] {
  if (sources.length <= 1) return sources.map((s) => s.app);
  const generic = new Set(['migrations', 'migration', 'db', 'sql', 'database', 'src', 'prisma', 'drizzle', '.']);
  const labels = sources.map((s) => {
    const parts = s.path.split('/').filter((p) => !generic.has(p) && p !== 'manage.py');
    return (parts[parts.length - 1] ?? s.type).replace(/[^A-Za-z0-9_-]/g, '_');
  });
  return labels.map((l, i) => (labels.indexOf(l) === i ? l : `${l}_${i + 1}`));
}
