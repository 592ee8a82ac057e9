import { RULES, UNRECOGNIZED } from '../../core/rules/index.js';
import { renderRulesDoc } from '../../core/rules/support/doc.js';
import { EXIT } from '../exit.js';
import { type CliContext } from '../context.js';
import type { RULES_OPTIONS, Values } from '../spec.js';

export async function rulesCli(values: Values<typeof RULES_OPTIONS>, ctx: CliContext): Promise<number> {
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
