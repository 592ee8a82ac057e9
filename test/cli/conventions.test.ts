/** The command line behaves as people expect: --version, help with every flag, "did you mean", exit 2. */
import { readFileSync } from 'node:fs';
import { runCli } from '../support/cli.js';
import { COMMANDS } from '../../src/cli/spec.js';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

it('prints its version', async () => {
  for (const flag of ['--version', '-V'])
    expect(await runCli([flag])).toMatchObject({ code: 0, stdout: `${version}\n` });
});

it('lists every command in --help, and exits 2 with the help on stderr when given none', async () => {
  const help = await runCli(['--help']);
  expect(help.code).toBe(0);
  for (const name of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  const none = await runCli([]);
  expect(none.code).toBe(2);
  expect(none.stdout).toBe('');
  expect(none.stderr).toContain('Usage: deployctl');
});

it.each(Object.keys(COMMANDS))('`deployctl %s --help` describes every flag and gives an example', async (name) => {
  const r = await runCli([name, '--help']);
  expect(r.code).toBe(0);
  const options = r.stdout.slice(r.stdout.indexOf('Options:'));
  for (const [flag, spec] of Object.entries(COMMANDS[name]!.options)) {
    // Flag and the start of its description on one line (descriptions wrap after that).
    const firstWords = spec.description.split(' ').slice(0, 2).join(' ');
    expect(options).toMatch(new RegExp(`--${flag}\\b[^\\n]*  ${firstWords.replace(/[()|.]/g, '\\$&')}`));
  }
  expect(r.stdout).toMatch(/Examples?:\n {2}\$ deployctl /);
  expect((await runCli(['help', name])).stdout).toBe(r.stdout);
});

it('suggests the command or flag that was probably meant, and exits 2', async () => {
  const command = await runCli(['relase', '--artifact', 'v2']);
  expect(command.code).toBe(2);
  expect(command.stderr).toContain("unknown command 'relase'");
  expect(command.stderr).toContain('Did you mean release?');
  const flag = await runCli(['migrate', '--dryrun']);
  expect(flag.code).toBe(2);
  expect(flag.stderr).toContain("unknown option '--dryrun'");
  expect(flag.stderr).toContain('Did you mean --dry-run?');
  expect(flag.stderr).toContain("run 'deployctl migrate --help'");
});

it.each([
  [['release'], '--artifact <version> is required'],
  [['plan', '--format', 'yaml'], "--format takes human | json | markdown, got 'yaml'"],
  [['plan', '--pg-version'], "option '--pg-version <major>' argument missing"],
  [['status', 'extra'], 'too many arguments'],
])('`deployctl %j` is a usage error (exit 2) that points at the help, printed once', async (args, message) => {
  const r = await runCli(args);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
  expect(r.stderr.split(message)).toHaveLength(2);
  expect(r.stderr).toContain(`run 'deployctl ${args[0]} --help'`);
  expect(r.stdout).toBe('');
});
