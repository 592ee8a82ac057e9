import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE POLICY takes ACCESS EXCLUSIVE on its table (measured on PostgreSQL 15), for an instant:
 * nothing is scanned. A PERMISSIVE policy (the default) only adds rows the app may see once row
 * security is enabled, so the old code loses nothing: `pre`. A RESTRICTIVE policy narrows what
 * every query sees, which can take away rows the old code still needs: `post`.
 */
export const createPolicy: Rule = {
  id: 'create-policy',
  summary: 'CREATE POLICY: ACCESS EXCLUSIVE for an instant; restrictive ones after the rollout',
  kinds: ['CreatePolicyStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'CreatePolicyStmt');
    if (!stmt) return [];
    const table = qualifiedName(stmt.table);
    const name = stmt.policy_name ?? '';
    if (stmt.permissive || ctx.isNew(table)) {
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'AccessExclusiveLock',
          relation: table,
          message: `CREATE POLICY ${name} ON ${table}: ACCESS EXCLUSIVE for an instant; a permissive policy only widens what queries may see.`,
        },
      ];
    }
    return [
      {
        rule: this.id,
        phase: 'post',
        lock: 'AccessExclusiveLock',
        relation: table,
        message: `CREATE POLICY ${name} ON ${table} AS RESTRICTIVE: narrows what every query sees, which may hide rows the old code still needs; it runs after the rollout.`,
      },
    ];
  },
  examples: {
    fires: [
      "CREATE POLICY tenant_read ON orders FOR SELECT USING (tenant_id = current_setting('app.tenant')::int)",
      'CREATE POLICY only_own ON "Shop".orders AS RESTRICTIVE USING (owner = current_user)',
    ],
    silent: ['DROP POLICY p ON orders', 'ALTER TABLE orders ENABLE ROW LEVEL SECURITY'],
  },
};
