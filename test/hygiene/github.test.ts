/** GitHub workflow-command escaping, exactly as the runner decodes it. */
import { errorAnnotation, escapeData, escapeProperty } from '../../src/cli/render/github.js';

describe('GitHub annotations', () => {
  it('escapes %, CR and LF in the message, and also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('dir:x/a,b%.sql')).toBe('dir%3Ax/a%2Cb%25.sql');
  });

  it('formats file, line and message; a file-level problem goes on line 1; no file, no properties', () => {
    expect(errorAnnotation('bad: a, b\nsecond line', { file: 'm/0001_a,b.sql', line: 7 })).toBe(
      '::error file=m/0001_a%2Cb.sql,line=7::bad: a, b%0Asecond line',
    );
    expect(errorAnnotation('x', { file: 'm/0001_a.sql' })).toBe('::error file=m/0001_a.sql,line=1::x');
    expect(errorAnnotation('manifest missing 50%')).toBe('::error::manifest missing 50%25');
  });
});
