/** The comparison rules of trace, on hand-made observations (the integration tests use real ones). */
import { compare, type Prediction } from '../../src/engine/trace/compare.js';
import type { RelationLock } from '../../src/engine/trace/observe.js';

const existing = new Set(['public.users', 'public.orders', 'public.users_pkey']);
const existed = (r: string): boolean => existing.has(r);
const plan = (p: Partial<Prediction>): Prediction => ({
  lock: null,
  relation: null,
  rewrite: false,
  assumed: false,
  ...p,
});
const table = (relation: string, mode: RelationLock['mode']): RelationLock => ({ relation, kind: 'r', mode });

it('agrees when the named relation got exactly the predicted mode as its strongest', () => {
  const r = compare({
    predicted: plan({ lock: 'AccessExclusiveLock', relation: 'users' }),
    locks: [table('public.users', 'AccessExclusiveLock'), table('public.users', 'AccessShareLock')],
    rewritten: [],
    existed,
  });
  expect(r).toEqual({
    observed: { lock: 'AccessExclusiveLock', relation: 'public.users', rewrite: false },
    disagreements: [],
  });
});

it('disagrees when the named relation got another mode, or another table a stronger one', () => {
  const r = compare({
    predicted: plan({ lock: 'ShareUpdateExclusiveLock', relation: 'users' }),
    locks: [table('public.users', 'ShareLock'), table('public.orders', 'AccessExclusiveLock')],
    rewritten: [],
    existed,
  });
  expect(r.disagreements).toEqual([
    'plan says ShareUpdateExclusiveLock on public.users, PostgreSQL took ShareLock',
    "PostgreSQL also took AccessExclusiveLock on public.orders, stronger than the plan's ShareUpdateExclusiveLock",
  ]);
});

it('judges index locks only when the plan names the index', () => {
  const locks = [
    table('public.users', 'ShareLock'),
    { relation: 'public.users_pkey', kind: 'i', mode: 'AccessExclusiveLock' as const },
  ];
  expect(
    compare({
      predicted: plan({ lock: 'ShareLock', relation: 'users', rewrite: true }),
      locks,
      rewritten: ['public.users_pkey'],
      existed,
    }).disagreements,
  ).toEqual([]);
  expect(
    compare({
      predicted: plan({ lock: 'ShareLock', relation: 'users_pkey', rewrite: true }),
      locks,
      rewritten: ['public.users_pkey'],
      existed,
    }).disagreements,
  ).toEqual(['plan says ShareLock on public.users_pkey, PostgreSQL took AccessExclusiveLock']);
});

it('ignores a claim about a relation the statement creates, but not locks on existing ones', () => {
  expect(
    compare({ predicted: plan({ lock: 'AccessExclusiveLock', relation: 'fresh' }), locks: [], rewritten: [], existed })
      .disagreements,
  ).toEqual([]);
  expect(
    compare({
      predicted: plan({ relation: 'fresh' }),
      locks: [table('public.users', 'ShareRowExclusiveLock')],
      rewritten: [],
      existed,
    }).disagreements,
  ).toEqual(["PostgreSQL also took ShareRowExclusiveLock on public.users, stronger than the plan's no lock"]);
});

it('compares the strongest lock anywhere when the plan names no relation', () => {
  expect(
    compare({
      predicted: plan({ lock: 'ShareUpdateExclusiveLock' }),
      locks: [table('public.orders', 'ShareUpdateExclusiveLock')],
      rewritten: [],
      existed,
    }).disagreements,
  ).toEqual([]);
  expect(
    compare({ predicted: plan({ lock: 'ShareUpdateExclusiveLock' }), locks: [], rewritten: [], existed }).disagreements,
  ).toEqual(['plan says ShareUpdateExclusiveLock, PostgreSQL took no lock']);
});

it('disagrees on rewrites both ways', () => {
  expect(compare({ predicted: plan({ rewrite: true }), locks: [], rewritten: [], existed }).disagreements).toEqual([
    'plan says the statement rewrites, but no relation got a new file',
  ]);
  expect(compare({ predicted: plan({}), locks: [], rewritten: ['public.users'], existed }).disagreements).toEqual([
    'plan says no rewrite, but PostgreSQL rewrote public.users',
  ]);
});

it('treats an assumed lock as an upper bound', () => {
  const predicted = plan({ lock: 'AccessExclusiveLock', relation: 'users', assumed: true });
  expect(
    compare({
      predicted,
      locks: [table('public.users', 'ShareUpdateExclusiveLock')],
      rewritten: ['public.users'],
      existed,
    }).disagreements,
  ).toEqual([]);
  expect(
    compare({
      predicted: plan({ lock: 'ShareLock', assumed: true }),
      locks: [table('public.users', 'AccessExclusiveLock')],
      rewritten: [],
      existed,
    }).disagreements,
  ).toEqual(['the plan assumed at most ShareLock, PostgreSQL took AccessExclusiveLock on public.users']);
});
