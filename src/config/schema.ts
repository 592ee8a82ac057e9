/**
 * A small validator for deployctl.yaml: every value is checked against a declared shape, and an
 * unknown or ill-typed key is an error that names its full path (`retry.attempts`).
 */
import { DeployctlError } from '../errors.js';

export type Shape<T> = (value: unknown, path: string) => T;

function fail(path: string, expected: string, value: unknown): never {
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  throw new DeployctlError('CONFIG_INVALID', `config key '${path}': expected ${expected}, got ${got}`, { key: path });
}

export const str = (): Shape<string> => (v, p) =>
  typeof v === 'string' && v !== '' ? v : fail(p, 'a non-empty string', v);

export const int =
  (min = 0): Shape<number> =>
  (v, p) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fail(p, `a whole number ≥ ${min}`, v);

export const ratio = (): Shape<number> => (v, p) =>
  typeof v === 'number' && v >= 0 && v <= 1 ? v : fail(p, 'a number from 0 to 1', v);

export const bool = (): Shape<boolean> => (v, p) => (typeof v === 'boolean' ? v : fail(p, 'true or false', v));

export const oneOf =
  <T extends string>(...values: T[]): Shape<T> =>
  (v, p) =>
    values.includes(v as T) ? (v as T) : fail(p, `one of ${values.join(' | ')}`, v);

export const list =
  <T>(item: Shape<T>): Shape<T[]> =>
  (v, p) => {
    if (!Array.isArray(v)) fail(p, 'a list', v);
    return (v as unknown[]).map((x, i) => item(x, `${p}[${i}]`));
  };

/** A mapping whose keys are names the user chooses (migration ids), each value of one shape. */
export const record =
  <T>(value: Shape<T>): Shape<Record<string, T>> =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, 'a mapping of keys', v);
    return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, value(x, `${p}.${k}`)]));
  };

type Fields = Record<string, Shape<unknown>>;
type Optional<S> = S & { optional: true };
type Out<F extends Fields> = { [K in keyof F as F[K] extends { optional: true } ? never : K]: ReturnType<F[K]> } & {
  [K in keyof F as F[K] extends { optional: true } ? K : never]?: ReturnType<F[K]>;
};

export const optional = <T>(shape: Shape<T>): Optional<Shape<T | undefined>> =>
  Object.assign((v: unknown, p: string) => (v === undefined || v === null ? undefined : shape(v, p)), {
    optional: true as const,
  });

/** An object with exactly these keys: unknown keys are errors, listed with the known ones. */
export const obj =
  <F extends Fields>(fields: F): Shape<Out<F>> =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p || 'the file', 'a mapping of keys', v);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v as object)) {
      if (!(key in fields)) {
        const at = p ? `${p}.${key}` : key;
        throw new DeployctlError(
          'CONFIG_INVALID',
          `unknown config key '${at}'; known keys here: ${Object.keys(fields).join(', ')}`,
          { key: at },
        );
      }
    }
    for (const [key, shape] of Object.entries(fields)) {
      const value = shape((v as Record<string, unknown>)[key], p ? `${p}.${key}` : key);
      if (value !== undefined) out[key] = value;
    }
    return out as Out<F>;
  };

/** A tagged union chosen by the value of `tag` (e.g. `driver: local`). */
export const union =
  <T>(tag: string, variants: Record<string, Shape<T>>): Shape<T> =>
  (v, p) => {
    const kind = (v as Record<string, unknown> | undefined)?.[tag];
    const variant = typeof kind === 'string' ? variants[kind] : undefined;
    if (!variant) fail(p ? `${p}.${tag}` : tag, `one of ${Object.keys(variants).join(' | ')}`, kind);
    return variant(v, p);
  };
