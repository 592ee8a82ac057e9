/**
 * A stand-in for the `pulumi` CLI, put first on PATH by fake-cli.ts so the real Automation API
 * runs against it. It appends every invocation (arguments, folder, PULUMI_* environment, and the
 * --config-file it was given, as read at that moment) to calls.jsonl in $FAKE_PULUMI_STATE, and
 * keeps a small stack state there (outputs of the last good update, history). Behaviour:
 * - `up` deploys the `<project>:image` of the config file it is given (or the checked-out
 *   Pulumi.<stack>.yaml); an image tagged `broken` fails the way an ECS circuit breaker does;
 *   `state.hang` makes it wait for SIGINT and stop as the engine does when interrupted;
 *   `state.conflict` fails it as a concurrent update; `state.rolledBackTo` makes it "succeed"
 *   while the stack reports that image (ECS rolled back inside the deployment).
 * - `preview` writes a summary event to --event-log; `stack output`, `stack history`, `stack
 *   select`, `version` answer as the CLI does. Anything else fails loudly.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const stateDir = process.env.FAKE_PULUMI_STATE;
if (!stateDir) fail('FAKE_PULUMI_STATE is not set', 2);
const statePath = path.join(stateDir, 'state.json');
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const args = process.argv.slice(2);

const flag = (name) => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
};
const configFile = flag('--config-file');
appendFileSync(
  path.join(stateDir, 'calls.jsonl'),
  JSON.stringify({
    args,
    cwd: process.cwd(),
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('PULUMI_'))),
    configFile: configFile === undefined ? undefined : readFileSync(configFile, 'utf8'),
  }) + '\n',
);

function fail(message, code = 255) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
function save() {
  writeFileSync(statePath, JSON.stringify(state, null, 2));
}
function stackName() {
  const name = flag('--stack');
  if (!name) fail('error: no stack selected; pass --stack');
  if (!state.stacks[name]) fail(`error: no stack named '${name}' found`);
  return name;
}
function stackConfig(name) {
  const project = YAML.parse(readFileSync('Pulumi.yaml', 'utf8')).name;
  const file = configFile ?? `Pulumi.${name}.yaml`;
  const config = existsSync(file) ? (YAML.parse(readFileSync(file, 'utf8'))?.config ?? {}) : {};
  return { image: config[`${project}:image`], version: config[`${project}:version`] };
}

const command = args.filter((a) => !a.startsWith('-')).slice(0, 2);
if (command[0] === 'version') {
  process.stdout.write('v3.200.0\n');
} else if (command[0] === 'stack' && command[1] === 'select') {
  stackName();
} else if (command[0] === 'stack' && command[1] === 'output') {
  const stack = state.stacks[stackName()];
  const shown = args.includes('--show-secrets');
  const outputs = Object.fromEntries(
    Object.entries(stack.outputs).map(([key, value]) => [
      key,
      !shown && (stack.secretOutputs ?? []).includes(key) ? '[secret]' : value,
    ]),
  );
  process.stdout.write(JSON.stringify(outputs) + '\n');
} else if (command[0] === 'stack' && command[1] === 'history') {
  process.stdout.write(JSON.stringify(state.stacks[stackName()].history.slice(0, 1)) + '\n');
} else if (command[0] === 'preview') {
  const name = stackName();
  const { image } = stackConfig(name);
  process.stdout.write(`Previewing update (${name})\n ~ aws:ecs:Service app update [image=${image}]\n`);
  const summary = { resourceChanges: { same: 40, update: 1 }, maybeCorrupt: false, durationSeconds: 1 };
  appendFileSync(flag('--event-log'), JSON.stringify({ sequence: 1, timestamp: 0, summaryEvent: summary }) + '\n');
} else if (command[0] === 'up') {
  const name = stackName();
  const stack = state.stacks[name];
  if (state.conflict) fail('error: [409] Conflict: Another update is currently in progress.');
  const { image, version } = stackConfig(name);
  if (!image) fail(`error: Missing required configuration variable 'deployctl-app:image'`);
  process.stdout.write(`Updating (${name})\n`);
  if (args.includes('--refresh')) process.stdout.write(' ~ aws:ecs:Service app refreshing\n');
  if (state.hang) {
    process.on('SIGINT', () => {
      writeFileSync(path.join(stateDir, 'up-interrupted'), '');
      process.stdout.write('^C received; cancelling. If you would like to terminate immediately, press ^C again.\n');
      fail('error: update canceled');
    });
    writeFileSync(path.join(stateDir, 'up-started'), '');
    setInterval(() => undefined, 1000);
  } else if (image.endsWith(':broken')) {
    fail(
      'error: 1 error occurred:\n\t* updating urn:pulumi:prod::deployctl-app::aws:ecs/service:Service::app: ' +
        'waiting for ECS Service (app) stable: ECS Deployment Circuit Breaker was triggered',
    );
  } else {
    const served = state.rolledBackTo ?? image;
    process.stdout.write(` ~ aws:ecs:Service app updated [image=${image}]\nResources: 1 updated\n`);
    stack.outputs = {
      ...stack.outputs,
      image: served,
      version: state.rolledBackTo ? stack.outputs.version : version,
    };
    stack.history.unshift({
      version: stack.history.length + 1,
      kind: 'update',
      message: flag('--message') ?? '',
      result: 'succeeded',
      startTime: '2026-01-01T00:00:00.000Z',
      endTime: '2026-01-01T00:00:01.000Z',
      resourceChanges: { update: 1 },
    });
    save();
  }
} else {
  fail(`fake pulumi: unsupported command: pulumi ${args.join(' ')}`, 2);
}
