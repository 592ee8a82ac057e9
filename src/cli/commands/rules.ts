import { RULES, UNRECOGNIZED } from '../../core/rules/index.js';
import { renderRulesDoc } from '../../core/rules/support/doc.js';
import { EXIT } from '../exit.js';
import { parse, type CliContext } from '../context.js';

export const RULES_USAGE = 'usage: deployctl rules [--markdown] [--json]';

export async function rulesCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    args,
    { markdown: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    RULES_USAGE,
  );
  if (values.help) {
    ctx.io.stdout.write(`${RULES_USAGE}\n`);
    return EXIT.ok;
  }
  const rules = [...RULES, UNRECOGNIZED];
  if (values.markdown) ctx.io.stdout.write(renderRulesDoc(rules));
  else if (values.json)
    ctx.io.stdout.write(
      `${JSON.stringify(
        rules.map((r) => ({ id: r.id, summary: r.summary })),
        null,
        2,
      )}\n`,
    );
  else for (const r of rules) ctx.io.stdout.write(`${r.id.padEnd(32)} ${r.summary}\n`);
  return EXIT.ok;
}
