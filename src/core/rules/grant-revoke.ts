import { as, qualifiedName } from '../sql/ast.js';
import type { Finding, Phase, Rule } from './rule.js';

/**
 * GRANT and REVOKE edit ACLs in the catalog; on PostgreSQL 15 they take no table lock, on
 * PostgreSQL 18 ACCESS SHARE on each table named (both read with `deployctl trace`; 16 and 17
 * not measured, so they are assumed to behave like 15). ACCESS SHARE blocks no app query.
 * A GRANT only adds access, so it is `pre`. A REVOKE (of a privilege or a role membership) can
 * take away access the old code still uses, so it waits until after the rollout — unless every
 * object it names was created earlier in this release (the usual `REVOKE ALL … FROM PUBLIC`
 * on a new table). ALTER DEFAULT PRIVILEGES only affects objects created later: `pre`.
 */
export const grantRevoke: Rule = {
  id: 'grant-revoke',
  summary: 'GRANT / REVOKE / ALTER DEFAULT PRIVILEGES: catalog-only; REVOKE is post',
  kinds: ['AlterDefaultPrivilegesStmt', 'GrantRoleStmt', 'GrantStmt'],
  check(s, ctx) {
    if (as(s.node, 'AlterDefaultPrivilegesStmt')) {
      return [finding('pre', 'ALTER DEFAULT PRIVILEGES: applies only to objects created later; no lock.')];
    }
    const role = as(s.node, 'GrantRoleStmt');
    if (role) {
      return [
        role.is_grant
          ? finding('pre', 'GRANT of a role: only adds access; no lock.')
          : finding(
              'post',
              'REVOKE of a role membership: the old code may still need the access it gave; revoke after the rollout.',
            ),
      ];
    }
    const grant = as(s.node, 'GrantStmt');
    if (!grant) return [];
    const tables = (grant.objects ?? []).map((o) => qualifiedName(as(o, 'RangeVar')));
    const locked =
      grant.objtype === 'OBJECT_TABLE' &&
      grant.targtype === 'ACL_TARGET_OBJECT' &&
      tables[0] &&
      ctx.serverVersion >= 180000
        ? { lock: 'AccessShareLock' as const, relation: tables[0] }
        : {};
    if (grant.is_grant)
      return [{ ...finding('pre', 'GRANT: only adds access; no table lock that blocks the app.'), ...locked }];
    const onNewOnly =
      grant.targtype === 'ACL_TARGET_OBJECT' && tables.length > 0 && tables.every((t) => t !== '' && ctx.isNew(t));
    if (onNewOnly)
      return [
        {
          ...finding(
            'pre',
            `REVOKE on ${tables.join(', ')}, created earlier in this release: no running code uses it yet.`,
          ),
          ...locked,
        },
      ];
    return [
      {
        ...finding('post', 'REVOKE: takes away access the old code may still use; run it after the rollout.'),
        ...locked,
      },
    ];
  },
  examples: {
    fires: [
      'GRANT SELECT, INSERT ON users TO app',
      'GRANT USAGE ON SCHEMA "Billing" TO app',
      'REVOKE UPDATE ON billing.invoices FROM app',
      'CREATE TABLE t (id int); REVOKE ALL ON t FROM PUBLIC; GRANT SELECT ON t TO app',
      'GRANT reporting TO app',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO app',
    ],
    silent: ['CREATE ROLE app'],
  },
};

function finding(phase: Phase, message: string): Finding {
  return { rule: 'grant-revoke', phase, message };
}
