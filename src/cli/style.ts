/** Terminal colour: on for a TTY, off when not a TTY or when NO_COLOR is set. */
export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/**
 * Each line is wrapped on its own, the reset before the newline: a terminal, a pager or a CI log
 * that shows one line never inherits the colour of the line before it.
 */
const wrap =
  (open: number, close: number) =>
  (s: string): string =>
    s
      .split('\n')
      .map((line) => (line === '' ? line : `\x1b[${open}m${line}\x1b[${close}m`))
      .join('\n');

export const COLOR: Style = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};
const id = (s: string): string => s;
export const PLAIN: Style = { red: id, green: id, yellow: id, cyan: id, dim: id, bold: id };

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  return stream.isTTY && !env.NO_COLOR ? COLOR : PLAIN;
}
