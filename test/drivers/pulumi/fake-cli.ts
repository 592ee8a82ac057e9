/**
 * Sets up a Pulumi project folder and a fake `pulumi` executable (fake-pulumi.mjs) first on PATH,
 * so the pulumi driver runs through the real Automation API and every CLI invocation it makes is
 * recorded: arguments, folder, PULUMI_* environment and the config file handed over.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-pulumi.mjs');
export const PROJECT = 'deployctl-app';

/** The checked-out stack config: an old image, an encrypted secret, the passphrase salt. */
export const STACK_FILE = `encryptionsalt: v1:c2FsdA==:v1:aXY=:Y2lwaGVy
config:
  aws:region: eu-west-1
  ${PROJECT}:image: registry.example.com/team/shop:0.9.0
  ${PROJECT}:dbPassword:
    secure: v1:bm9uY2U=:Y2lwaGVydGV4dA==
`;

export interface RecordedCall {
  args: string[];
  cwd: string;
  env: Record<string, string>;
  configFile?: string;
}

export interface FakeState {
  stacks: Record<string, { outputs: Record<string, unknown>; secretOutputs?: string[]; history: unknown[] }>;
  hang?: boolean;
  conflict?: boolean;
  rolledBackTo?: string;
}

export interface FakeCli {
  /** The Pulumi project folder (Pulumi.yaml, Pulumi.prod.yaml). */
  workDir: string;
  calls(): Promise<RecordedCall[]>;
  state(): Promise<FakeState>;
  update(change: (state: FakeState) => void): Promise<void>;
  /** Resolves once a hanging `up` has started. */
  upStarted(): Promise<void>;
  /** Whether a hanging `up` received SIGINT. */
  upInterrupted(): Promise<boolean>;
  stackFile(): Promise<string>;
  teardown(): Promise<void>;
}

export async function fakePulumiCli(): Promise<FakeCli> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deployctl-fake-pulumi-'));
  const bin = path.join(root, 'bin');
  const workDir = path.join(root, 'infra');
  const stateDir = path.join(root, 'state');
  await Promise.all([mkdir(bin), mkdir(workDir), mkdir(stateDir)]);
  await writeFile(path.join(bin, 'pulumi'), `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "$@"\n`);
  await chmod(path.join(bin, 'pulumi'), 0o755);
  await writeFile(path.join(workDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\n`);
  await writeFile(path.join(workDir, 'Pulumi.prod.yaml'), STACK_FILE);
  const initial: FakeState = {
    stacks: {
      prod: {
        outputs: {
          url: 'http://app-123.elb.amazonaws.com',
          healthUrl: 'http://app-123.elb.amazonaws.com/healthz',
          dbEndpoint: 'app.abc.rds.amazonaws.com:5432',
        },
        history: [],
      },
    },
  };
  const statePath = path.join(stateDir, 'state.json');
  await writeFile(statePath, JSON.stringify(initial));

  const savedPath = process.env.PATH;
  const savedState = process.env.FAKE_PULUMI_STATE;
  process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
  process.env.FAKE_PULUMI_STATE = stateDir;

  const state = async (): Promise<FakeState> => JSON.parse(await readFile(statePath, 'utf8')) as FakeState;
  return {
    workDir,
    state,
    async calls() {
      const text = await readFile(path.join(stateDir, 'calls.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as RecordedCall);
    },
    async update(change) {
      const current = await state();
      change(current);
      await writeFile(statePath, JSON.stringify(current));
    },
    async upStarted() {
      // The fake touches this file once its `up` waits for SIGINT; poll the file system for it.
      for (;;) {
        if (
          await stat(path.join(stateDir, 'up-started')).then(
            () => true,
            () => false,
          )
        )
          return;
        await delay(20);
      }
    },
    upInterrupted: () =>
      stat(path.join(stateDir, 'up-interrupted')).then(
        () => true,
        () => false,
      ),
    stackFile: () => readFile(path.join(workDir, 'Pulumi.prod.yaml'), 'utf8'),
    async teardown() {
      process.env.PATH = savedPath;
      if (savedState === undefined) delete process.env.FAKE_PULUMI_STATE;
      else process.env.FAKE_PULUMI_STATE = savedState;
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The CLI commands of the recorded calls without the flags, e.g. `stack output`. */
export function commands(calls: RecordedCall[]): string[] {
  return calls.map((call) =>
    call.args
      .filter((a) => !a.startsWith('-'))
      .slice(0, 2)
      .join(' ')
      .replace(/^(up|preview|version) .*/, '$1'),
  );
}
