/** Docs that cannot drift: the rule reference and the README's command list come from code. */
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../src/cli/run.js';
import { renderRulesDoc } from '../src/core/rules/support/doc.js';
import { RULES, UNRECOGNIZED } from '../src/core/rules/index.js';

describe('docs', () => {
  it('docs/rules.md is generated from the rule registry (run `npm run docs` after changing a rule)', () => {
    expect(readFileSync('docs/rules.md', 'utf8')).toBe(renderRulesDoc([...RULES, UNRECOGNIZED]));
  });

  it('the README documents every command', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const name of Object.keys(COMMANDS))
      expect({ name, documented: readme.includes(`deployctl ${name}`) }).toEqual({ name, documented: true });
  });
});
