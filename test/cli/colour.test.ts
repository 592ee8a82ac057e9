/**
 * Colour only on a terminal, never with NO_COLOR or through a pipe; and on a terminal every
 * colour is reset before the newline, so no line starts with the previous line's reset. The
 * terminal runs are real: the built bin under `script`, which gives it a pseudo-terminal.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI, runCli } from '../support/cli.js';
import { testTmp } from '../support/db.js';
import { COLOR } from '../../src/cli/style.js';

const exec = promisify(execFile);
const ESCAPE = /\x1b/;
/** A reset (foreground 39, intensity 22) that opens a line: the colour ran across the newline. */
const RESET_AFTER_NEWLINE = /\n\x1b\[(39|22)m/;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(testTmp(), 'colour-'));
  await mkdir(path.join(root, 'migrations'));
  await writeFile(path.join(root, 'migrations', '0001_t.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
  // Blocked, with a multi-line fix; and a forced phase whose reason runs over two lines.
  await writeFile(path.join(root, 'migrations', '0002_rename.sql'), 'ALTER TABLE served RENAME COLUMN id TO key;\n');
  await writeFile(
    path.join(root, 'deployctl.yaml'),
    [
      'migrations:',
      '  - app: shop',
      '    dir: migrations',
      '    decisions:',
      '      0001_t:',
      '        phase: pre',
      '        reason: |',
      '          a new table',
      '          nothing reads it yet',
      '',
    ].join('\n'),
  );
});

/** The bin on a pseudo-terminal; stdout and stderr both arrive on it. */
async function onTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const r = await exec('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: root,
    env: { ...process.env, CI: '', NO_COLOR: '', TERM: 'xterm', DATABASE_URL: '', ...env },
  }).catch((e: { stdout: string }) => e);
  return r.stdout.replace(/\r\n/g, '\n');
}

it('wraps each line of a multi-line string on its own', () => {
  expect(COLOR.red('one\ntwo\n')).toBe('\x1b[31mone\x1b[39m\n\x1b[31mtwo\x1b[39m\n');
  expect(COLOR.bold(COLOR.dim('a\n\nb'))).toBe('\x1b[1m\x1b[2ma\x1b[22m\x1b[22m\n\n\x1b[1m\x1b[2mb\x1b[22m\x1b[22m');
});

it('on a terminal, plan and check are coloured, and every colour is reset before its newline', async () => {
  for (const args of [['plan', '--pg-version', '15'], ['check']]) {
    const out = await onTerminal(args);
    expect(out).toMatch(/\x1b\[31m/);
    if (args[0] === 'plan') expect(out).toContain('nothing reads it yet');
    expect(out).not.toMatch(RESET_AFTER_NEWLINE);
    for (const line of out.split('\n')) {
      const opened = line.match(/\x1b\[(1|2|3[1-6])m/g)?.length ?? 0;
      const closed = line.match(/\x1b\[(22|39)m/g)?.length ?? 0;
      expect({ line, closed }).toEqual({ line, closed: opened });
    }
  }
});

it.each([
  ['plan', '--pg-version', '15'],
  ['check'],
  ['release', '--artifact', 'v1', '--database-url', 'postgres://nobody@127.0.0.1:1/none'],
  ['plan', '--format', 'yaml'],
])('`deployctl %s` prints no escape code with NO_COLOR on a terminal, nor through a pipe', async (...args) => {
  expect(await onTerminal(args, { NO_COLOR: '1' })).not.toMatch(ESCAPE);
  const piped = await runCli(args, { cwd: root, env: { NO_COLOR: undefined, CI: undefined } });
  expect(piped.stdout + piped.stderr).not.toMatch(ESCAPE);
  expect(piped.stdout + piped.stderr).not.toBe('');
});
