"""Django's migration plan for deployctl, as one JSON document on the last line of stdout.

deployctl runs this file once per plan, inside the project's own `manage.py shell`, so the
project's settings, apps and database are Django's own. It lists every migration in the order
`migrate` applies them (applied or not), and for each one the database has not applied: its
operations, the line of the .py file that declares each, and the SQL each one runs.

The SQL is collected the way `sqlmigrate` collects it (a schema editor with collect_sql, nothing
written to the database), but over one project state carried from migration to migration the way
`migrate` carries it, so a migration sees exactly what the migrations before it in the same plan
created. An operation whose SQL cannot be collected against the current database (its schema
editor reads a constraint of a table that does not exist yet) is listed with the error instead.
"""
import ast
import json
import sys

from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections
from django.db.migrations.executor import MigrationExecutor

try:  # the operations that refuse to run in a transaction (AddIndexConcurrently…), Django 3.0+
    from django.contrib.postgres.operations import NotInTransactionMixin
except ImportError:  # psycopg not installed, or an older Django
    NotInTransactionMixin = None

FORMAT = 1


def operations_lines(path, count):
    """The line of each element of `operations = [...]` in the Migration class of `path`.

    When the list is not a literal of `count` elements (built in a loop, extended later), every
    operation gets the line of the `operations` assignment; None when the file cannot be read.
    """
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return [None] * count
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == "Migration"):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                names = [stmt.target.id]
            else:
                continue
            if "operations" not in names:
                continue
            value = stmt.value
            if isinstance(value, (ast.List, ast.Tuple)) and len(value.elts) == count:
                return [element.lineno for element in value.elts]
            return [stmt.lineno] * count
    return [None] * count


def error_text(error):
    text = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, text[0] if text else "")


def collect(migration, state, connection):
    """Carries `state` through `migration` (in place) and returns its operations with their SQL."""
    path = getattr(sys.modules.get(migration.__module__), "__file__", None)
    lines = operations_lines(path, len(migration.operations)) if path else [None] * len(migration.operations)
    operations = []
    owner = {}
    # Collecting runs nothing but catalog reads, so no transaction is opened (nor a savepoint per
    # operation, a round trip each): a failed read aborts nothing. What a transaction would refuse
    # (a concurrent index build in an atomic migration) is reported as Django reports it.
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for index, operation in enumerate(migration.operations):
            start = len(editor.collected_sql)
            known = set(map(id, editor.deferred_sql))
            old_state = state.clone()
            operation.state_forwards(migration.app_label, state)
            entry = {
                "type": type(operation).__name__,
                "line": lines[index],
                "description": operation.describe(),
                "sql": [],
            }
            if not operation.reduces_to_sql:
                # RunPython and the like: what they do is Python, nothing SQL can show.
                entry["sql"] = None
            else:
                try:
                    if migration.atomic and NotInTransactionMixin and isinstance(operation, NotInTransactionMixin):
                        raise NotSupportedError(
                            "The %s operation cannot be executed inside a transaction "
                            "(set atomic = False to the migration)." % type(operation).__name__
                        )
                    operation.database_forwards(migration.app_label, editor, old_state, state)
                except Exception as error:  # noqa: BLE001 - reported with the operation
                    entry["sql"] = None
                    entry["error"] = error_text(error)
            if entry["sql"] is not None:
                entry["sql"] = list(editor.collected_sql[start:])
            for statement in editor.deferred_sql:
                if id(statement) not in known:
                    owner[id(statement)] = index
            operations.append(entry)
        # The schema editor runs its deferred statements (foreign keys, indexes of new tables) when
        # it closes, one collected statement each, in this order: each goes to the operation that
        # deferred it.
        deferred = [owner.get(id(statement)) for statement in editor.deferred_sql]
        start = len(editor.collected_sql)
    for index, sql in zip(deferred, editor.collected_sql[start:]):
        target = operations[index if index is not None else len(operations) - 1]
        if target["sql"] is None:
            target["sql"] = []
        target["sql"].append(sql)
    return operations


def main():
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    loader = executor.loader
    graph = loader.graph
    targets = graph.leaf_nodes()
    pending = executor.migration_plan(targets)
    # `migrate`'s starting state: every applied migration's state changes, in plan order.
    if hasattr(executor, "_create_project_state"):
        state = executor._create_project_state(with_applied_migrations=True)
    else:
        state = loader.project_state(nodes=[key for key in loader.applied_migrations if key in graph.nodes])
    state.apps  # rendered once, then every state_forwards updates it in place (as `migrate` does)
    collected = {}
    for migration, backwards in pending:
        if backwards:
            raise RuntimeError("the plan to the leaf migrations would unapply %s" % migration)
        collected[(migration.app_label, migration.name)] = collect(migration, state, connection)

    migrations = []
    seen = set()
    for target in targets:
        for key in graph.forwards_plan(target):
            if key in seen:
                continue
            seen.add(key)
            node = graph.nodes[key]
            module = sys.modules.get(node.__module__)
            entry = {
                "app": key[0],
                "name": key[1],
                "file": getattr(module, "__file__", None),
                "applied": key in loader.applied_migrations,
                "dependencies": sorted("%s.%s" % parent.key for parent in graph.node_map[key].parents),
                "atomic": bool(node.atomic),
                "replaces": ["%s.%s" % tuple(r) for r in (node.replaces or [])],
            }
            if key in collected:
                entry["operations"] = collected[key]
            migrations.append(entry)
    pending_keys = [(m.app_label, m.name) for m, _ in pending]
    missing = [key for key in pending_keys if key not in seen]
    if missing:
        raise RuntimeError("pending migrations outside the graph's plan: %s" % missing)
    conflicts = loader.detect_conflicts()
    document = {
        "format": FORMAT,
        "django": ".".join(str(part) for part in __import__("django").VERSION[:3]),
        "vendor": connection.vendor,
        "conflicts": [{"app": app, "leaves": sorted(names)} for app, names in sorted(conflicts.items())],
        "migrations": migrations,
    }
    sys.stdout.write("\n" + json.dumps(document) + "\n")
    sys.stdout.flush()


main()
